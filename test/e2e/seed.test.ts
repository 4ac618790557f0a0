// bin/vrss-db seed: bad input and the happy path as a user runs it.
import { describe, expect, it } from 'vitest'
import { runCli } from '../support/cli.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()

describe('vrss-db seed (end to end)', () => {
  it.each([
    [['--users', '0']],
    [['--users', '-3']],
    [['--users', 'abc']],
    [['--users', '2000000']],
    [['--seed', 'x']],
    [['--frobnicate']],
  ])('%j is a usage error (2)', async (args) => {
    const run = await runCli(['seed', ...args, '--database-url', db.url])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/error:/)
    expect(run.stderr).not.toMatch(/\n\s+at /)
  })

  it('on a database that is not migrated: exit 1, says to run migrate', async () => {
    const run = await runCli(['seed', '--database-url', db.url])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('Run `vrss-db migrate` first')
  })

  it('seeds 20 users, prints the table and exact counters; --json gives one document', async () => {
    const { url } = await db.createDatabase()
    await runCli(['migrate'], { env: { DATABASE_URL: url } })
    const run = await runCli(['seed', '--users', '20', '--json'], { env: { DATABASE_URL: url } })
    expect(run.code, run.stderr).toBe(0)
    const doc = JSON.parse(run.stdout)
    expect(doc.seed).toBe(42)
    expect(doc.tables.find((t: { table: string }) => t.table === 'users').rows).toBe(20)
    expect(Object.values(doc.drift).every((n) => n === 0)).toBe(true)
    const again = await runCli(['seed'], { env: { DATABASE_URL: url } })
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('--append')
  })
})
