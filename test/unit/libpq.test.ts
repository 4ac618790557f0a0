import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type Env, parseDatabaseUrl, resolveTarget } from '../../src/lib/db/target.js'
import { VrssError } from '../../src/lib/errors.js'

/** A private HOME so the developer's own ~/.pgpass and ~/.pg_service.conf never count. */
function home(files: Record<string, { text: string; mode?: number }> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'vrss-libpq-'))
  for (const [name, { text, mode }] of Object.entries(files)) {
    writeFileSync(join(dir, name), text)
    chmodSync(join(dir, name), mode ?? 0o600)
  }
  return dir
}

function thrown(fn: () => unknown): VrssError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(VrssError)
    return err as VrssError
  }
  throw new Error('expected an error')
}

const SERVICES = `# comment
[prod]
host=db.prod
port=6432
dbname=vrss
user=svc
sslmode=require

[other]
host=elsewhere
`

describe('connection service file', () => {
  it('PGSERVICE selects a server and its settings are used', () => {
    const HOME = home({ '.pg_service.conf': { text: SERVICES } })
    const t = resolveTarget(undefined, { HOME, PGSERVICE: 'prod' })
    expect(t).toMatchObject({
      kind: 'server',
      spec: { host: 'db.prod', port: 6432, database: 'vrss', user: 'svc', sslmode: 'require' },
    })
  })

  it('precedence: URL over service over environment', () => {
    const HOME = home({ '.pg_service.conf': { text: SERVICES } })
    const spec = parseDatabaseUrl('postgres://me@/?service=prod&port=7000', {
      HOME,
      PGDATABASE: 'fromenv',
      PGHOST: 'envhost',
      PGAPPNAME: 'envapp',
    })
    expect(spec).toMatchObject({
      user: 'me',
      port: 7000,
      host: 'db.prod',
      database: 'vrss',
      applicationName: 'envapp',
    })
  })

  it('PGSERVICEFILE, then PGSYSCONFDIR/pg_service.conf', () => {
    const dir = home({
      'mine.conf': { text: '[a]\nhost=h1\n' },
      'pg_service.conf': { text: SERVICES },
    })
    const env = { HOME: dir, PGSERVICEFILE: join(dir, 'mine.conf'), PGSYSCONFDIR: dir }
    expect(parseDatabaseUrl('postgres:///?service=a', env).host).toBe('h1')
    expect(parseDatabaseUrl('postgres:///?service=other', env).host).toBe('elsewhere')
  })

  it('a service that does not exist is an error naming it and the files (exit 1)', () => {
    const HOME = home({ '.pg_service.conf': { text: SERVICES } })
    const err = thrown(() => resolveTarget(undefined, { HOME, PGSERVICE: 'nope' }))
    expect(err.exitCode).toBe(1)
    expect(err.message).toContain('"nope"')
    expect(err.message).toContain(join(HOME, '.pg_service.conf'))
  })

  it('an unknown keyword in the service file is an error naming the line', () => {
    const HOME = home({ '.pg_service.conf': { text: '[x]\nhost=h\nbogus=1\n' } })
    expect(thrown(() => resolveTarget(undefined, { HOME, PGSERVICE: 'x' })).message).toContain(
      'line 3',
    )
  })
})

describe('embedded fallback with libpq settings present', () => {
  it('warns naming the variables that select nothing', () => {
    const t = resolveTarget(undefined, { PGAPPNAME: 'x', PGHOST: '' })
    expect(t.kind).toBe('embedded')
    expect(t.warnings.join('\n')).toMatch(/embedded server although PGHOST, PGAPPNAME are set/)
  })
})

describe('password file', () => {
  const lines = [
    'other:*:*:*:wrong',
    String.raw`db.example:5432:my\:db:app:first\:pw\\x`,
    'db.example:*:*:app:second',
    '*:*:*:*:any',
    'localhost:5432:*:sock:socket-pw',
  ].join('\n')

  it('first matching line wins, with \\: and \\\\ escapes', () => {
    const HOME = home({ '.pgpass': { text: lines } })
    expect(parseDatabaseUrl('postgres://app@db.example/my%3Adb', { HOME })).toMatchObject({
      password: 'first:pw\\x',
      passwordFile: join(HOME, '.pgpass'),
    })
    expect(parseDatabaseUrl('postgres://app@db.example:6000/x', { HOME }).password).toBe('second')
    expect(parseDatabaseUrl('postgres://zed@nowhere/x', { HOME }).password).toBe('any')
  })

  it('a unix socket matches localhost', () => {
    const HOME = home({ '.pgpass': { text: lines.replace('*:*:*:*:any', '') } })
    expect(parseDatabaseUrl('postgres://sock@/d?host=/run/pg', { HOME }).password).toBe('socket-pw')
  })

  it('PGPASSFILE and passfile= name another file, read only when no password is given', () => {
    const dir = home({ alt: { text: '*:*:*:*:alt' } })
    expect(
      parseDatabaseUrl('postgres://u@h/d', { HOME: dir, PGPASSFILE: join(dir, 'alt') }).password,
    ).toBe('alt')
    const url = `postgres://u@h/d?passfile=${encodeURIComponent(join(dir, 'alt'))}`
    expect(parseDatabaseUrl(url, { HOME: dir }).password).toBe('alt')
    // Only when no password is given.
    const given = parseDatabaseUrl('postgres://u:given@h/d', {
      HOME: dir,
      PGPASSFILE: join(dir, 'alt'),
    })
    expect(given.password).toBe('given')
    expect(given.passwordFile).toBeUndefined()
    expect(parseDatabaseUrl(url, { HOME: dir, PGPASSWORD: 'env' }).password).toBe('env')
  })

  it('is ignored with a warning when group or others may read it', () => {
    const HOME = home({ '.pgpass': { text: lines, mode: 0o640 } })
    const t = resolveTarget('postgres://app@db.example/x', { HOME })
    expect(t.kind === 'server' && t.spec.password).toBeUndefined()
    expect(t.warnings.join('\n')).toContain('group or world access')
  })
})

describe('URL query parameters as libpq reads them', () => {
  const env: Env = { HOME: home() }

  it('socket forms with an empty host', () => {
    expect(parseDatabaseUrl('postgres:///db?host=/sock', env)).toMatchObject({
      host: '/sock',
      database: 'db',
    })
    expect(parseDatabaseUrl('postgres://u:pw@/db?host=%2Fsock', env)).toMatchObject({
      host: '/sock',
      user: 'u',
      password: 'pw',
      database: 'db',
    })
  })

  it('query parameters override the parts before them; the environment fills the rest', () => {
    const spec = parseDatabaseUrl(
      'postgres://u:pw@h:1/db?host=h2&port=2&user=u2&dbname=d2&password=p2',
      { ...env, PGSSLMODE: 'require', PGHOST: 'nope' },
    )
    expect(spec).toMatchObject({
      host: 'h2',
      port: 2,
      user: 'u2',
      database: 'd2',
      password: 'p2',
      sslmode: 'require',
    })
  })

  it('options, application_name, TLS files and ssl=true', () => {
    const spec = parseDatabaseUrl(
      'postgres://h/d?options=-c%20search_path%3Dx&application_name=mine&sslrootcert=/ca.crt&sslcert=/c.crt&sslkey=/c.key&ssl=true&connect_timeout=3',
      env,
    )
    expect(spec).toMatchObject({
      options: '-c search_path=x',
      applicationName: 'mine',
      sslrootcert: '/ca.crt',
      sslcert: '/c.crt',
      sslkey: '/c.key',
      sslmode: 'require',
      connectTimeout: 3,
    })
  })

  it('certificate files default to ~/.postgresql as in libpq', () => {
    expect(parseDatabaseUrl('postgres://h/d', env)).toMatchObject({
      sslrootcert: join(env.HOME as string, '.postgresql/root.crt'),
      sslkey: join(env.HOME as string, '.postgresql/postgresql.key'),
    })
  })

  it('sslrootcert=system defaults to verify-full and refuses weaker modes', () => {
    expect(parseDatabaseUrl('postgres://h/d?sslrootcert=system', env).sslmode).toBe('verify-full')
    expect(
      thrown(() => parseDatabaseUrl('postgres://h/d?sslrootcert=system&sslmode=require', env))
        .exitCode,
    ).toBe(2)
  })

  it('target_session_attrs is ignored with a warning', () => {
    const t = resolveTarget('postgres://h/d?target_session_attrs=read-write', env)
    expect(t.warnings).toEqual([expect.stringContaining('ignoring target_session_attrs=')])
  })

  it.each([
    ['postgres://h/d?bogus=1', 'Unknown connection parameter "bogus"'],
    [
      'postgres://h/d?channel_binding=require',
      '"channel_binding" in the database URL is not supported',
    ],
    ['postgres://h1,h2/d', 'several hosts'],
    ['postgres://u:p%zzq@h/d', 'the password has a bad percent-escape'],
    ['postgres://h/d%zz', 'the database name has a bad percent-escape'],
  ])('%s is a usage error', (url, message) => {
    const err = thrown(() => parseDatabaseUrl(url, env))
    expect(err.exitCode).toBe(2)
    expect(err.message).toContain(message)
  })
})
