import { createServer, type Server, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '../../src/lib/connect.js'
import { VrssError } from '../../src/lib/errors.js'
import { parseDatabaseUrl } from '../../src/lib/target.js'
import { adminUrl, useTestDatabase } from '../support/db.js'

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
