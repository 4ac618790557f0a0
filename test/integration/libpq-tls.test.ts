/**
 * TLS as libpq does it, against a real PostgreSQL with ssl=on and a private CA made here; also
 * the unix socket forms of the URL. A second embedded server, because the run's own has no TLS.
 */
import { execFileSync } from 'node:child_process'
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '../../src/lib/db/connect.js'
import type { EmbeddedServer } from '../../src/lib/db/embedded/index.js'
import { startEmbeddedServer } from '../../src/lib/db/embedded/index.js'
import { parseDatabaseUrl } from '../../src/lib/db/target.js'
import { VrssError } from '../../src/lib/errors.js'

let dir = ''
let server: EmbeddedServer
/** A HOME without ~/.postgresql, so libpq's default certificate files do not exist. */
let emptyHome = ''

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' })
}

/** An EC key and a certificate signed by `ca` (or self-signed when ca is undefined). */
function certificate(name: string, subject: string, ca?: string, san?: string): void {
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`)
  if (!ca) {
    openssl(
      'req',
      '-x509',
      '-new',
      '-key',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-subj',
      subject,
    )
    return
  }
  openssl('req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', subject)
  const ext = san ? ['-extfile', `${name}.ext`] : []
  if (san)
    execFileSync('sh', ['-c', `printf 'subjectAltName=${san}\\n' > ${name}.ext`], { cwd: dir })
  openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.crt`,
    '-days',
    '2',
    ...ext,
  )
}

/** The server runs as postgres when the tests run as root: its files must be postgres's. */
async function giveToServer(path: string): Promise<void> {
  if (process.getuid?.() !== 0) return
  const uid = Number(execFileSync('id', ['-u', 'postgres']))
  const gid = Number(execFileSync('id', ['-g', 'postgres']))
  await chown(path, uid, gid)
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vrss-tls-'))
  await chmod(dir, 0o755)
  emptyHome = join(dir, 'home')
  await mkdir(emptyHome)
  certificate('ca', '/CN=vrss test CA')
  certificate('other-ca', '/CN=another CA')
  // Valid for "localhost" only: 127.0.0.1 is then a name the certificate does not cover.
  certificate('server', '/CN=localhost', 'ca', 'DNS:localhost')
  certificate('client', '/CN=certuser', 'ca')
  const sockets = join(dir, 'sockets')
  await mkdir(sockets)
  for (const file of ['server.crt', 'server.key', 'ca.crt', 'sockets']) {
    await giveToServer(join(dir, file))
  }
  await chmod(join(dir, 'server.key'), 0o600)
  await chmod(join(dir, 'client.key'), 0o600)
  server = await startEmbeddedServer({
    home: join(dir, 'server'),
    settings: {
      fsync: 'off',
      ssl: 'on',
      ssl_cert_file: join(dir, 'server.crt'),
      ssl_key_file: join(dir, 'server.key'),
      ssl_ca_file: join(dir, 'ca.crt'),
      unix_socket_directories: sockets,
    },
  })
  // certuser may log in with a client certificate only.
  const hba = join(server.dataDir, 'pg_hba.conf')
  const rules = await readFile(hba, 'utf8')
  await writeFile(hba, `hostssl all certuser 127.0.0.1/32 cert\n${rules}`)
  const sql = await connect(server.spec)
  await sql`create role certuser login`
  await sql`select pg_reload_conf()`
  await sql.end()
}, 120_000)

afterAll(async () => {
  await server?.stop()
  await rm(dir, { recursive: true, force: true })
})

function url(host: string, query: Record<string, string>): string {
  const { user, password, port, database } = server.spec
  const params = new URLSearchParams({ connect_timeout: '5', ...query })
  return `postgres://${user}:${encodeURIComponent(password ?? '')}@${host}:${port}/${database}?${params}`
}

/** Connects and says whether the session is encrypted. */
async function encrypted(target: string, env = { HOME: emptyHome }): Promise<boolean> {
  const sql = await connect(parseDatabaseUrl(target, env))
  try {
    const [row] = await sql`select ssl from pg_stat_ssl where pid = pg_backend_pid()`
    return row?.ssl === true
  } finally {
    await sql.end()
  }
}

async function failure(target: string, env = { HOME: emptyHome }): Promise<VrssError> {
  try {
    await encrypted(target, env)
  } catch (err) {
    expect(err).toBeInstanceOf(VrssError)
    const error = err as VrssError
    expect(error.message).not.toContain('\n')
    expect(`${error.message} ${error.hint}`).not.toContain(server.spec.password)
    return error
  }
  throw new Error(`connecting to ${target} unexpectedly worked`)
}

describe('sslmode with a private CA', () => {
  const ca = () => join(dir, 'ca.crt')
  const otherCa = () => join(dir, 'other-ca.crt')

  it('verify-full with the right CA and the name in the certificate connects, encrypted', async () => {
    expect(await encrypted(url('localhost', { sslmode: 'verify-full', sslrootcert: ca() }))).toBe(
      true,
    )
  })

  it('verify-full with a name the certificate is not for fails, one line', async () => {
    const err = await failure(url('127.0.0.1', { sslmode: 'verify-full', sslrootcert: ca() }))
    expect(err.code).toBe('TLS_HOSTNAME_MISMATCH')
    expect(err.message).toContain('is not for "127.0.0.1"')
    expect(err.hint).toContain('verify-ca')
  })

  it('verify-ca checks the CA but not the name', async () => {
    expect(await encrypted(url('127.0.0.1', { sslmode: 'verify-ca', sslrootcert: ca() }))).toBe(
      true,
    )
  })

  it('verify-ca with another CA fails', async () => {
    const err = await failure(url('127.0.0.1', { sslmode: 'verify-ca', sslrootcert: otherCa() }))
    expect(err.code).toBe('TLS_UNTRUSTED')
  })

  it('verify-ca without a root certificate file fails before connecting', async () => {
    const err = await failure(url('127.0.0.1', { sslmode: 'verify-ca' }))
    expect(err.code).toBe('TLS_CONFIG')
    expect(err.message).toContain(join(emptyHome, '.postgresql/root.crt'))
  })

  it('require encrypts without a CA, but checks the chain when ~/.postgresql/root.crt exists, as libpq does', async () => {
    expect(await encrypted(url('127.0.0.1', { sslmode: 'require' }))).toBe(true)
    const home = join(dir, 'home-with-root')
    await mkdir(join(home, '.postgresql'), { recursive: true })
    await writeFile(join(home, '.postgresql/root.crt'), await readFile(otherCa()))
    const err = await failure(url('127.0.0.1', { sslmode: 'require' }), { HOME: home })
    expect(err.code).toBe('TLS_UNTRUSTED')
    await writeFile(join(home, '.postgresql/root.crt'), await readFile(ca()))
    expect(await encrypted(url('127.0.0.1', { sslmode: 'require' }), { HOME: home })).toBe(true)
  })

  it('PGSSLROOTCERT is the root certificate file when the URL names none', async () => {
    const target = url('localhost', { sslmode: 'verify-full' })
    expect(await encrypted(target, { HOME: emptyHome, PGSSLROOTCERT: ca() } as never)).toBe(true)
  })
})

describe('client certificates', () => {
  const certUrl = (query: Record<string, string>) =>
    `postgres://certuser@127.0.0.1:${server.spec.port}/${server.spec.database}?${new URLSearchParams({ sslmode: 'require', connect_timeout: '5', ...query })}`

  it('sslcert/sslkey log in where pg_hba asks for a certificate', async () => {
    const target = certUrl({ sslcert: join(dir, 'client.crt'), sslkey: join(dir, 'client.key') })
    expect(await encrypted(target)).toBe(true)
  })

  it('~/.postgresql/postgresql.crt and .key are the defaults', async () => {
    const home = join(dir, 'home-with-client')
    await mkdir(join(home, '.postgresql'), { recursive: true })
    await writeFile(
      join(home, '.postgresql/postgresql.crt'),
      await readFile(join(dir, 'client.crt')),
    )
    await writeFile(
      join(home, '.postgresql/postgresql.key'),
      await readFile(join(dir, 'client.key')),
      { mode: 0o600 },
    )
    expect(await encrypted(certUrl({}), { HOME: home })).toBe(true)
  })

  it('a key file others may read is refused, as libpq does', async () => {
    const loose = join(dir, 'loose.key')
    await writeFile(loose, await readFile(join(dir, 'client.key')), { mode: 0o644 })
    await chmod(loose, 0o644)
    const err = await failure(certUrl({ sslcert: join(dir, 'client.crt'), sslkey: loose }))
    expect(err.code).toBe('TLS_CONFIG')
    expect(err.message).toContain('group or world access')
  })
})

describe('unix socket URLs', () => {
  it('postgres://user:pw@/db?host=/dir and postgres:///db?host=… connect through the socket', async () => {
    const { user, password, port, database } = server.spec
    const sockets = encodeURIComponent(join(dir, 'sockets'))
    const pw = encodeURIComponent(password ?? '')
    for (const target of [
      `postgres://${user}:${pw}@/${database}?host=${sockets}&port=${port}`,
      `postgres:///${database}?host=${sockets}&port=${port}&user=${user}&password=${pw}`,
    ]) {
      const sql = await connect(parseDatabaseUrl(target, { HOME: emptyHome }))
      const [row] = await sql`select inet_server_addr() is null as local`
      expect(row?.local).toBe(true)
      await sql.end()
    }
  })
})
