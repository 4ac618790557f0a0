import { describe, expect, it } from 'vitest'
import {
  describeSpec,
  isLocalHost,
  maskUrlsInText,
  parseDatabaseUrl,
  resolveTarget,
} from '../../src/lib/db/target.js'
import { VrssError } from '../../src/lib/errors.js'

describe('resolveTarget: --database-url, then DATABASE_URL, then PG*, then embedded', () => {
  const flagUrl = 'postgres://flag@flaghost/flagdb'
  const envUrl = 'postgres://env@envhost/envdb'

  it('prefers the flag over everything else', () => {
    const t = resolveTarget(flagUrl, { DATABASE_URL: envUrl, PGHOST: 'pghost' })
    expect(t.kind === 'server' && t.source).toBe('--database-url')
    expect(t.kind === 'server' && t.spec.host).toBe('flaghost')
  })

  it('uses DATABASE_URL when there is no flag', () => {
    const t = resolveTarget(undefined, { DATABASE_URL: envUrl, PGHOST: 'pghost' })
    expect(t.kind === 'server' && t.source).toBe('DATABASE_URL')
    expect(t.kind === 'server' && t.spec.database).toBe('envdb')
  })

  it('uses the PG* variables when there is no URL', () => {
    const t = resolveTarget(undefined, {
      PGHOST: 'db.example',
      PGPORT: '6543',
      PGUSER: 'app',
      PGPASSWORD: 'pw',
      PGDATABASE: 'vrss',
      PGSSLMODE: 'require',
    })
    expect(t).toMatchObject({
      kind: 'server',
      source: 'PG* variables',
      warnings: [],
      spec: {
        host: 'db.example',
        port: 6543,
        user: 'app',
        password: 'pw',
        database: 'vrss',
        sslmode: 'require',
        connectTimeout: 10,
      },
    })
  })

  it('PGSSLMODE alone is enough to leave the embedded default', () => {
    expect(resolveTarget(undefined, { PGSSLMODE: 'disable' }).kind).toBe('server')
  })

  it('falls back to the embedded server with nothing configured', () => {
    expect(resolveTarget(undefined, {})).toEqual({
      kind: 'embedded',
      source: 'embedded',
      warnings: [],
    })
    expect(resolveTarget('', { DATABASE_URL: '' }).kind).toBe('embedded')
  })
})

describe('parseDatabaseUrl', () => {
  it('reads every part, decoding percent-escapes', () => {
    const spec = parseDatabaseUrl(
      'postgresql://us%40er:p%3Ass@h.example:5433/my%20db?sslmode=verify-full',
    )
    expect(spec).toMatchObject({
      user: 'us@er',
      password: 'p:ss',
      host: 'h.example',
      port: 5433,
      database: 'my db',
      sslmode: 'verify-full',
    })
  })

  it('defaults like libpq: port 5432, database = user, sslmode prefer', () => {
    expect(parseDatabaseUrl('postgres://alice@localhost')).toMatchObject({
      port: 5432,
      database: 'alice',
      sslmode: 'prefer',
      password: undefined,
    })
  })

  it('lets PG* variables fill what the URL leaves out, URL first', () => {
    const spec = parseDatabaseUrl('postgres://alice@h/db', {
      PGPASSWORD: 'secret',
      PGSSLMODE: 'require',
      PGPORT: '7000',
    })
    expect(spec).toMatchObject({ password: 'secret', sslmode: 'require', port: 7000 })
    expect(
      parseDatabaseUrl('postgres://h/db?sslmode=disable', { PGSSLMODE: 'require' }).sslmode,
    ).toBe('disable')
  })

  it('supports a unix socket directory in ?host=', () => {
    expect(parseDatabaseUrl('postgres:///vrss?host=/var/run/postgresql').host).toBe(
      '/var/run/postgresql',
    )
  })

  it('supports IPv6 hosts', () => {
    expect(parseDatabaseUrl('postgres://u@[::1]:5432/d').host).toBe('::1')
  })

  it.each([
    ['not a url', 'cannot be parsed'],
    ['mysql://u@h/db', 'scheme is "mysql"'],
    ['postgres://u@h:99999/db', 'Invalid port "99999"'],
    ['postgres://u@h/db?sslmode=sometimes', 'Unknown sslmode'],
    ['postgres://u@h/db?connect_timeout=-1', 'connect_timeout'],
  ])('rejects %s as a usage error (exit 2)', (url, message) => {
    let error: unknown
    try {
      parseDatabaseUrl(url)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(VrssError)
    expect((error as VrssError).exitCode).toBe(2)
    expect((error as VrssError).message).toContain(message)
  })

  it('never puts the password of a malformed URL into the message', () => {
    try {
      parseDatabaseUrl('mysql://root:hunter2@h/db')
      expect.unreachable()
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2')
      expect((err as Error).message).toContain('root:****@')
    }
  })
})

describe('masking', () => {
  it('describeSpec masks the password and keeps the rest', () => {
    const spec = parseDatabaseUrl('postgres://app:s3cret@db.internal:6432/vrss')
    expect(describeSpec(spec)).toBe('postgres://app:****@db.internal:6432/vrss')
  })

  it('describeSpec shows no mask when there is no password', () => {
    expect(describeSpec(parseDatabaseUrl('postgres://app@h/d'))).toBe('postgres://app@h:5432/d')
  })

  it('maskUrlsInText masks every URL in free text', () => {
    const text = 'failed postgres://a:one@h/x then postgresql://b:two@k/y'
    expect(maskUrlsInText(text)).toBe('failed postgres://a:****@h/x then postgresql://b:****@k/y')
  })
})

describe('isLocalHost', () => {
  it.each([
    ['localhost', true],
    ['127.0.0.1', true],
    ['::1', true],
    ['/var/run/postgresql', true],
    ['db.prod.internal', false],
    ['10.0.0.5', false],
  ])('%s → %s', (host, local) => {
    expect(isLocalHost(host)).toBe(local)
  })
})
