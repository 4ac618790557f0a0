// bin/vrss-db migrate / status as deploy scripts use them.
import { describe, expect, it } from 'vitest'
import { loadMigrations } from '../../src/lib/migrate/files.js'
import { runCli } from '../support/cli.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()
const PHASES = loadMigrations()
const LAST = PHASES.length
const BEYOND = String(LAST + 1)

describe('vrss-db migrate (end to end)', () => {
  it.each([['0'], [BEYOND], ['two']])('--phase %s is a usage error (2)', async (phase) => {
    const run = await runCli(['migrate', '--phase', phase, '--database-url', db.url])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/--phase must be/)
  })

  it('4 concurrent migrate processes on an empty database all exit 0, each phase applied once', async () => {
    const { url, sql } = await db.createDatabase()
    const runs = await Promise.all(
      Array.from({ length: 4 }, () =>
        runCli(['migrate', '--json'], { env: { DATABASE_URL: url } }),
      ),
    )
    for (const run of runs) expect(run.code, run.stderr).toBe(0)
    const appliedByRun = runs.map((run) =>
      JSON.parse(run.stdout).applied.map((p: { version: number }) => p.version),
    )
    expect(appliedByRun.flat().sort((a: number, b: number) => a - b)).toEqual(
      PHASES.map((p) => p.version),
    )
    const rows =
      await sql`select version, count(*) as n from schema_migrations group by version order by version`
    expect(rows).toEqual(PHASES.map((p) => ({ version: p.version, n: 1 })))
  })

  it('status --check exits 3 while phases are pending and 0 once all are applied', async () => {
    const { url } = await db.createDatabase()
    await runCli(['migrate', '--phase', '3'], { env: { DATABASE_URL: url } })
    const pending = await runCli(['status', '--check', '--json'], { env: { DATABASE_URL: url } })
    expect(pending.code).toBe(3)
    const pendingPhases = PHASES.filter((p) => p.version > 3)
    expect(JSON.parse(pending.stdout).findings).toEqual([
      `pending phases: ${pendingPhases.map((p) => `${p.version} ${p.name}`).join(', ')}`,
    ])
    const applied = await runCli(['migrate'], { env: { DATABASE_URL: url } })
    expect(applied.stdout).toContain(`Applied ${pendingPhases.length} phase(s)`)
    expect(applied.stderr).toContain('Applied 004_communication.sql')
    const ok = await runCli(['status', '--check'], { env: { DATABASE_URL: url } })
    expect(ok.code).toBe(0)
    expect(ok.stdout).toContain('every table, index and trigger of the applied phases is present')
  })

  it('migrate on an up-to-date database is a no-op with exit 0', async () => {
    const { url } = await db.createDatabase()
    await runCli(['migrate'], { env: { DATABASE_URL: url } })
    const again = await runCli(['migrate'], { env: { DATABASE_URL: url } })
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('is up to date')
  })

  it('rollback without --yes and without a terminal is refused (2) and changes nothing', async () => {
    const { url, sql } = await db.createDatabase()
    await runCli(['migrate'], { env: { DATABASE_URL: url } })
    const run = await runCli(['migrate', 'rollback', '--to', '0'], { env: { DATABASE_URL: url } })
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('without --yes')
    const [row] = await sql`select count(*) as n from schema_migrations`
    expect(row?.n).toBe(LAST)
  })

  it("a --phase given to migrate is not rollback's business", async () => {
    const { url } = await db.createDatabase()
    await runCli(['migrate', '--phase', '3', '--database-url', url])
    const run = await runCli([
      'migrate',
      '--phase',
      '10',
      'rollback',
      '--to',
      '2',
      '--yes',
      '--database-url',
      url,
    ])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain('Rolled back 003_features')
  })

  it('rollback --to a phase beyond the last is a usage error', async () => {
    const run = await runCli(['migrate', 'rollback', '--to', BEYOND, '--database-url', db.url])
    expect(run.code).toBe(2)
  })
})
