import { mkdtemp, writeFile } from 'node:fs/promises'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '../../src/lib/db/connect.js'
import { parseDatabaseUrl } from '../../src/lib/db/target.js'
import { VrssError } from '../../src/lib/errors.js'
import { adminUrl, useTestDatabase } from '../support/db.js'
import { afterSslReply, type FakeServer, fakeServer, httpReply } from '../support/fake-server.js'

const db = useTestDatabase()

async function connectionError(url: string): Promise<VrssError> {
  try {
    const sql = await connect(parseDatabaseUrl(url))
    await sql.end()
  } catch (err) {
    expect(err).toBeInstanceOf(VrssError)
    return err as VrssError
  }
  throw new Error(`connecting to ${url} unexpectedly worked`)
}

async function passwordFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vrss-pgpass-'))
  const file = join(dir, 'pgpass')
  await writeFile(file, text, { mode: 0o600 })
  return file
}

function withUrl(change: (url: URL) => void): string {
  const url = new URL(db.url)
  change(url)
  return url.toString()
}

describe('connect against a real server', () => {
  let silent: Server
  let silentPort = 0
  const accepted: Socket[] = []
  beforeAll(async () => {
    // Accepts TCP connections and never answers: the shape of a firewall black hole.
    silent = createServer((socket) => accepted.push(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    silentPort = (silent.address() as { port: number }).port
  })
  afterAll(async () => {
    for (const socket of accepted) socket.destroy()
    await new Promise<void>((resolve) => silent.close(() => resolve()))
  })

  it('connects and sets application_name=vrss-db', async () => {
    const sql = await connect(parseDatabaseUrl(db.url))
    const [row] = await sql`select current_setting('application_name') as app`
    expect(row?.app).toBe('vrss-db')
    await sql.end()
  })

  it('?options=-c … and ?application_name= reach the server', async () => {
    // Percent-encoded by hand: libpq reads "+" as a plus sign, not as URLSearchParams' space.
    const target = `${db.url}?options=${encodeURIComponent('-c search_path=elsewhere,public')}&application_name=mine`
    const sql = await connect(parseDatabaseUrl(target))
    const [row] =
      await sql`select current_setting('search_path') as path, current_setting('application_name') as app`
    expect(row).toEqual({ path: 'elsewhere,public', app: 'mine' })
    await sql.end()
  })

  it('the password file gives the password when the URL has none', async () => {
    const { password } = new URL(db.url)
    const file = await passwordFile(`*:*:${db.name}:*:${decodeURIComponent(password)}\n`)
    const sql = await connect(
      parseDatabaseUrl(
        withUrl((u) => (u.password = '')),
        { PGPASSFILE: file },
      ),
    )
    await sql.end()
  })

  it('a wrong password from the password file → AUTH_FAILED naming the file, not the password', async () => {
    const file = await passwordFile('*:*:*:*:pgpass-wrong-pw\n')
    let error: VrssError | undefined
    try {
      await connect(
        parseDatabaseUrl(
          withUrl((u) => (u.password = '')),
          { PGPASSFILE: file },
        ),
      )
    } catch (err) {
      error = err as VrssError
    }
    expect(error?.code).toBe('AUTH_FAILED')
    expect(error?.message).toContain(`with the password from the password file ${file}`)
    expect(`${error?.message} ${error?.hint}`).not.toContain('pgpass-wrong-pw')
  })

  it('wrong password → AUTH_FAILED, password not echoed', async () => {
    const err = await connectionError(withUrl((u) => (u.password = 'definitely-wrong-pw')))
    expect(err.code).toBe('AUTH_FAILED')
    expect(`${err.message} ${err.hint}`).not.toContain('definitely-wrong-pw')
  })

  it('missing database → DATABASE_MISSING naming it', async () => {
    const err = await connectionError(withUrl((u) => (u.pathname = '/no_such_db_here')))
    expect(err.code).toBe('DATABASE_MISSING')
    expect(err.message).toContain('"no_such_db_here"')
  })

  it('a missing database with shell syntax in its name is quoted in the suggested command', async () => {
    const err = await connectionError(
      withUrl((u) => (u.pathname = `/${encodeURIComponent("x; rm -rf ~ 'q'")}`)),
    )
    expect(err.code).toBe('DATABASE_MISSING')
    expect(err.hint).toContain(`(createdb 'x; rm -rf ~ '\\''q'\\''')`)
  })

  it('nothing listening → CONNECTION_REFUSED', async () => {
    const err = await connectionError(
      withUrl((u) => {
        u.hostname = '127.0.0.1'
        u.port = '1'
      }),
    )
    expect(err.code).toBe('CONNECTION_REFUSED')
  })

  it('a server that never answers → CONNECT_TIMEOUT after connect_timeout', async () => {
    const started = Date.now()
    const err = await connectionError(
      withUrl((u) => {
        u.hostname = '127.0.0.1'
        u.port = String(silentPort)
        u.searchParams.set('connect_timeout', '1')
        u.searchParams.set('sslmode', 'disable')
      }),
    )
    expect(err.code).toBe('CONNECT_TIMEOUT')
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it('the admin URL of the run is reachable (sanity)', async () => {
    const sql = await connect(parseDatabaseUrl(adminUrl()))
    await sql.end()
  })
})

describe('connect to something that is not PostgreSQL', () => {
  const servers: FakeServer[] = []
  afterAll(async () => {
    for (const server of servers) await server.close()
  })

  /**
   * Connects to a fresh fake server. A hang would run into the test's own timeout; what is
   * asserted is the behaviour: few connections, one line, no password.
   */
  async function attempt(behaviour: (socket: Socket) => void, query: Record<string, string>) {
    const server = await fakeServer(behaviour)
    servers.push(server)
    const params = new URLSearchParams({ connect_timeout: '2', ...query })
    const err = await connectionError(
      `postgres://u:s3cret-pw@127.0.0.1:${server.port}/db?${params}`,
    )
    // postgres.js reconnected thousands of times when a connection closed during start-up.
    expect(server.connections).toBeLessThanOrEqual(3)
    expect(`${err.message}\n${err.hint}`).not.toContain('s3cret-pw')
    expect(err.message).not.toContain('\n')
    return err
  }

  for (const sslmode of ['prefer', 'require']) {
    it(`an HTTP server (answers the SSLRequest with "H"), sslmode=${sslmode} → PROTOCOL_ERROR at once`, async () => {
      const err = await attempt(httpReply, { sslmode })
      expect(err.code).toBe('PROTOCOL_ERROR')
      expect(err.message).toContain('received invalid response to SSL negotiation: H')
      expect(err.hint).toContain('Is this a PostgreSQL server?')
    })
  }

  it('an HTTP server with sslmode=disable (answers the start-up message) → PROTOCOL_ERROR', async () => {
    const err = await attempt(httpReply, { sslmode: 'disable' })
    expect(err.code).toBe('PROTOCOL_ERROR')
    expect(err.message).toContain(
      'expected an authentication request from the server, but received H',
    )
  })

  it('accepts TLS ("S") and then sends plain bytes → TLS_FAILED, one line', async () => {
    const err = await attempt(
      afterSslReply('S', (socket) => socket.end('this is not TLS\r\n')),
      { sslmode: 'require' },
    )
    expect(err.code).toBe('TLS_FAILED')
    expect(err.message).toContain('TLS handshake')
    expect(err.hint).toContain('Is this a PostgreSQL server?')
  })

  it('declines TLS ("N") and then sends garbage instead of an authentication request → PROTOCOL_ERROR', async () => {
    const err = await attempt(
      afterSslReply('N', (socket) => socket.end('garbage, not a protocol message')),
      { sslmode: 'prefer' },
    )
    expect(err.code).toBe('PROTOCOL_ERROR')
    expect(err.message).toContain('but received g')
  })

  it('declines TLS and hangs up after the start-up message → CONNECTION_CLOSED, no reconnect loop', async () => {
    const err = await attempt(
      afterSslReply('N', (socket) => socket.end()),
      { sslmode: 'prefer' },
    )
    expect(err.code).toBe('CONNECTION_CLOSED')
  })

  it('answers "N" with sslmode=require → TLS_UNSUPPORTED', async () => {
    const err = await attempt(
      afterSslReply('N', () => undefined),
      { sslmode: 'require' },
    )
    expect(err.code).toBe('TLS_UNSUPPORTED')
  })

  it('never answers after the start-up message → CONNECT_TIMEOUT bounded by connect_timeout=2', async () => {
    const err = await attempt(
      afterSslReply('N', () => undefined),
      { sslmode: 'prefer' },
    )
    expect(err.code).toBe('CONNECT_TIMEOUT')
    expect(err.message).toContain('start-up and authentication')
  })
})
