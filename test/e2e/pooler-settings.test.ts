// A pooler that refuses start-up parameters it does not know (PgBouncer answers
// "unsupported startup parameter: lock_timeout"): vrss-db connects without its session
// settings and says so, instead of not connecting at all. The "pooler" here is a real TCP proxy
// in front of the test server that refuses exactly as PgBouncer does.
import { connect as netConnect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../support/cli.js'
import { migrateTo } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'
import { type FakeServer, fakeServer } from '../support/fake-server.js'

const db = useTestDatabase()
let pooler: FakeServer

/** PostgreSQL's ErrorResponse: FATAL, SQLSTATE 08P01, the message. */
function fatal(message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C08P01\0M${message}\0\0`)
  const head = Buffer.alloc(5)
  head.write('E')
  head.writeInt32BE(fields.length + 4, 1)
  return Buffer.concat([head, fields])
}

function refuseUnknownParameters(upstreamPort: number) {
  return (socket: Socket) =>
    socket.once('data', (startup) => {
      const unknown = ['lock_timeout', 'statement_timeout', 'default_transaction_read_only'].find(
        (name) => startup.includes(Buffer.from(`${name}\0`)),
      )
      if (unknown) {
        socket.end(fatal(`unsupported startup parameter: ${unknown}`))
        return
      }
      const upstream = netConnect({ host: '127.0.0.1', port: upstreamPort })
      upstream.on('error', () => socket.destroy())
      upstream.write(startup)
      socket.pipe(upstream).pipe(socket)
    })
}

beforeAll(async () => {
  await migrateTo(db.sql, db.url)
  pooler = await fakeServer(refuseUnknownParameters(Number(new URL(db.url).port)))
})
afterAll(async () => {
  await pooler.close()
})

describe('through a pooler that refuses session settings', () => {
  it('status connects without them, warns once, and works', async () => {
    const url = new URL(db.url)
    url.port = String(pooler.port)
    url.searchParams.set('sslmode', 'disable')
    const run = await runCli(['status', '--check', '--database-url', url.toString()])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toContain('refused the session settings')
    expect(run.stderr.match(/refused the session settings/g)).toHaveLength(1)
    expect(run.stdout).toContain('applied')
  })
})
