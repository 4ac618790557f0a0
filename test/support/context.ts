/**
 * A real command context for calling command cores directly in integration tests.
 */
import { Writable } from 'node:stream'
import { run as migrate, parseMigrateOptions } from '../../src/commands/migrate.js'
import type { Context } from '../../src/lib/cli/context.js'
import { connect, type Sql } from '../../src/lib/db/connect.js'
import { describeSpec, parseDatabaseUrl } from '../../src/lib/db/target.js'
import { Output } from '../../src/lib/ui/output.js'

/** Collects what a command would print, for assertions. */
export class CapturedStream extends Writable {
  text = ''
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString()
    done()
  }
}

/** Pools opened through a test context's openConnection, until closeTestConnections. */
const opened = new Set<Sql>()

/** Closes what the test contexts' openConnection opened (the CLI does this when a command ends). */
export async function closeTestConnections(): Promise<void> {
  for (const pool of opened) await pool.end({ timeout: 5 })
  opened.clear()
}

export function testContext(sql: Sql, url: string): Context & { stderr: CapturedStream } {
  const spec = parseDatabaseUrl(url)
  const stderr = new CapturedStream()
  const out = new Output({
    json: false,
    color: false,
    debug: false,
    stdout: new CapturedStream() as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    env: {},
  })
  return {
    sql,
    out,
    env: {},
    interactive: false,
    openConnection: async (options = {}) => {
      const pool = await connect(spec, { max: options.max, connection: options.session })
      opened.add(pool)
      return pool
    },
    stderr,
    target: {
      display: describeSpec(spec),
      source: '--database-url',
      embedded: false,
      local: true,
      host: spec.host,
      database: spec.database,
      spec,
    },
  }
}

/** Applies the embedded phases (all, or up to `phase`) through the real migrate core. */
export async function migrateTo(sql: Sql, url: string, raw: Record<string, unknown> = {}) {
  return migrate(parseMigrateOptions(raw), testContext(sql, url))
}
