// bin/vrss-db verify-triggers as an operator runs it after a deploy.
import { describe, expect, it } from 'vitest'
import { runCli } from '../support/cli.js'
import { useTestDatabase } from '../support/db.js'
import { openTransaction } from '../support/open-transaction.js'

const db = useTestDatabase()

describe('vrss-db verify-triggers (end to end)', () => {
  it('prints TAP lines and a summary; exit 0, then 3 once a trigger is disabled', async () => {
    const { url, sql } = await db.createDatabase()
    await runCli(['migrate'], { env: { DATABASE_URL: url } })
    const ok = await runCli(['verify-triggers'], { env: { DATABASE_URL: url } })
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toMatch(/^TAP version 14\n1\.\.36\n/)
    // One catalog query answers every presence proof: its time is given once.
    expect(ok.stdout).toMatch(/# presence: 22 triggers read from the catalog in one query \(/)
    expect(ok.stdout).not.toMatch(/\[presence\][^\n]*ms\)/)
    expect(ok.stdout).toMatch(/# 36 passed, 0 failed in/)
    await sql`alter table reposts disable trigger reposts_count_reposts`
    const broken = await runCli(['verify-triggers', '--json'], { env: { DATABASE_URL: url } })
    expect(broken.code).toBe(3)
    const doc = JSON.parse(broken.stdout)
    expect(doc.failed).toBe(2)
    expect(
      doc.proofs.filter((p: { ok: boolean }) => !p.ok).map((p: { name: string }) => p.name),
    ).toEqual([
      'trigger reposts.reposts_count_reposts is present and enabled',
      'reposts_count counts reposts',
    ])
  })

  it('an open application transaction holding a lock the proofs need: exit 1 naming it, not 3', async () => {
    const { url } = await db.createDatabase()
    await runCli(['migrate'], { env: { DATABASE_URL: url } })
    // An application transaction that inserted a user and is still open: it holds the users
    // table and its id sequence, which the proofs need.
    const app = db.connectUrl(url, { application_name: 'vrss_test_app' })
    const { pid: holderPid, release } = await openTransaction(
      app,
      (tx) => tx`insert into users (username, email, password_hash)
                 values ('app_user', 'app@example.invalid', 'x')`,
    )
    try {
      const run = await runCli(['verify-triggers'], { env: { DATABASE_URL: url } })
      expect(run.code, run.stderr).toBe(1)
      expect(run.stdout).toMatch(/^ok \d+ - \[behaviour\] .* # SKIP could not run: /m)
      expect(run.stdout).not.toMatch(/^not ok/m)
      const lines = run.stderr.trim().split('\n')
      expect(lines).toHaveLength(2)
      expect(lines[0]).toMatch(
        /^error: verify-triggers could not run the proof ".*": gave up after 1000ms waiting for a lock/,
      )
      expect(lines[0]).toContain(`held by pid ${holderPid} (application_name "vrss_test_app"`)
      expect(lines[1]).toMatch(/^hint: Nothing is known to be broken: /)
    } finally {
      release()
    }
  })

  it('--concurrency copies the schema the VRSS tables are in (search_path = app), not public', async () => {
    const { url, sql, name } = await db.createDatabase()
    await sql`create schema app`
    await sql.unsafe(`alter database ${name} set search_path = app`)
    const migrate = await runCli(['migrate', '--database-url', url])
    expect(migrate.code, migrate.stderr).toBe(0)
    const run = await runCli(['verify-triggers', '--concurrency', '--json', '--database-url', url])
    expect(run.code, run.stderr).toBe(0)
    const doc = JSON.parse(run.stdout)
    expect(doc.proofs.filter((p: { kind: string }) => p.kind === 'concurrency')).toHaveLength(3)
    expect(doc.failed).toBe(0)
    // The live tables are untouched, and nothing was left in public or elsewhere.
    const [users] = await sql`select count(*)::int as n from app.users`
    expect(users?.n).toBe(0)
    const schemas = await sql`select nspname from pg_namespace where nspname like 'vrss_verify%'`
    expect(schemas).toEqual([])
  })

  it('on an unmigrated database: exit 1 naming the phases', async () => {
    const run = await runCli(['verify-triggers', '--database-url', db.url])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('are not applied')
  })
})
