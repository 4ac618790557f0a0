// verify-triggers --concurrency interrupted: its scratch schema is dropped on SIGINT, and a run
// killed with -9 leaves one that status reports and the next verify-triggers run removes.
import { type ChildProcess, spawn } from 'node:child_process'
import { beforeAll, describe, expect, it } from 'vitest'
import { removeLeftovers, SCRATCH_MARKER } from '../../src/lib/verify/scratch-schema.js'
import { BIN, cleanEnv, runCli } from '../support/cli.js'
import { migrateTo } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()

async function scratchSchemas(): Promise<string[]> {
  const rows =
    await db.sql`select nspname from pg_namespace where nspname like 'vrss\\_verify\\_%' order by 1`
  return rows.map((r) => r.nspname as string)
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Starts verify-triggers --concurrency and returns once its scratch schema exists. */
async function startConcurrencyRun() {
  const child = spawn(
    process.execPath,
    [BIN, 'verify-triggers', '--concurrency', '--database-url', db.url],
    {
      env: cleanEnv(),
    },
  )
  let stderr = ''
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  const [schema] = await until('the scratch schema', async () => {
    const found = await scratchSchemas()
    return found.length > 0 ? found : undefined
  })
  return { child: child as ChildProcess, schema: schema as string, exited, stderr: () => stderr }
}

describe('verify-triggers --concurrency, interrupted', () => {
  beforeAll(async () => {
    await migrateTo(db.sql, db.url)
  })

  it('SIGINT mid-run drops the scratch schema and exits 130 with one line', async () => {
    const run = await startConcurrencyRun()
    run.child.kill('SIGINT')
    const exit = await run.exited
    expect(exit).toEqual({ code: 130, signal: null })
    expect(run.stderr()).toMatch(
      new RegExp(
        `^error: Interrupted \\(SIGINT\\): the scratch schema ${run.schema} was dropped; .+\\nhint: .+\\n$`,
      ),
    )
    expect(await scratchSchemas()).toEqual([])
  })

  it('after kill -9 the schema stays; status reports it; the next verify-triggers removes it', async () => {
    const run = await startConcurrencyRun()
    run.child.kill('SIGKILL')
    expect((await run.exited).signal).toBe('SIGKILL')
    expect(await scratchSchemas()).toEqual([run.schema])
    // The killed run's backends notice the closed sockets and release its advisory lock.
    await until('the killed run to release its lock', async () => {
      const [row] = await db.sql`
        select count(*) as n from pg_locks
        where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())`
      return Number(row?.n) === 0 ? true : undefined
    })

    const status = await runCli(['status', '--check', '--database-url', db.url])
    expect(status.code).toBe(3)
    expect(status.stdout).toContain(
      `scratch schemas left by interrupted verify-triggers runs (the next verify-triggers run removes them): ${run.schema}`,
    )

    const verify = await runCli(['verify-triggers', '--database-url', db.url])
    expect(verify.code, verify.stderr).toBe(0)
    expect(verify.stdout).toContain(
      `# removed ${run.schema}, the scratch schema of an earlier interrupted --concurrency run`,
    )
    expect(await scratchSchemas()).toEqual([])
  })

  it('removes only marked vrss_verify_<8 hex> schemas whose run is over', async () => {
    const make = async (name: string, marked: boolean) => {
      await db.sql.unsafe(`create schema ${name}`)
      await db.sql.unsafe(`create table ${name}.t (id int)`)
      if (marked) await db.sql.unsafe(`comment on schema ${name} is '${SCRATCH_MARKER}'`)
    }
    await make('vrss_verify_0000000a', true) // a live run holds its lock
    await make('vrss_verify_0000000b', false) // not ours: no marker
    await make('vrss_verify_nothex00', true) // not the pattern
    await make('vrss_verify_0000000d', true) // abandoned
    const live = await db.sql.reserve()
    try {
      await live`select pg_advisory_lock(hashtextextended('vrss_verify_0000000a', 0))`
      expect(await removeLeftovers(db.sql)).toEqual(['vrss_verify_0000000d'])
      expect(await scratchSchemas()).toEqual([
        'vrss_verify_0000000a',
        'vrss_verify_0000000b',
        'vrss_verify_nothex00',
      ])
    } finally {
      await live`select pg_advisory_unlock_all()`
      live.release()
      for (const name of ['vrss_verify_0000000a', 'vrss_verify_0000000b', 'vrss_verify_nothex00'])
        await db.sql.unsafe(`drop schema ${name} cascade`)
    }
  })
})
