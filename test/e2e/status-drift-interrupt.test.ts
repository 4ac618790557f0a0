// Ctrl+C during `status --check` never leaves its scratch database behind, whether it arrives
// while the database is being created, connected to, filled with the phases or compared.
import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { BIN, cleanEnv } from '../support/cli.js'
import { migrateTo } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()

/** Runs status --check, sends SIGINT after `ms`, and returns its exit code and pid. */
async function interrupted(
  url: string,
  ms: number,
): Promise<{ code: number | string; pid: number }> {
  const child = spawn(process.execPath, [BIN, 'status', '--check', '--database-url', url], {
    env: cleanEnv(),
    stdio: 'ignore',
  })
  // A SIGINT that arrives before Node has installed vrss-db's handler ends the process the
  // default way (no exit code, signal SIGINT): it had not started anything yet.
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'none')),
  )
  await new Promise((resolve) => setTimeout(resolve, ms))
  child.kill('SIGINT')
  return { code: await exited, pid: child.pid as number }
}

describe('status --check interrupted', () => {
  it('leaves no scratch database, at whatever moment SIGINT arrives', async () => {
    const { url, sql } = await db.createDatabase()
    await migrateTo(sql, url)
    const codes: (number | string)[] = []
    for (let ms = 200; ms <= 1600; ms += 100) {
      const run = await interrupted(url, ms)
      codes.push(run.code)
      // Scratch names carry the pid of the run that made them.
      const left = await sql`
        select datname from pg_database where datname like ${`vrss_scratch_%\\_${run.pid}\\_%`}`
      expect(left.map((r) => r.datname)).toEqual([])
    }
    // Interrupted (130), finished (0) first, or stopped before it started: never a crash.
    expect(codes.filter((code) => code !== 130 && code !== 0 && code !== 'SIGINT')).toEqual([])
    expect(codes).toContain(130)
  })
})
