// vrss-db beside another migration tool that owns schema_migrations (golang-migrate, Rails).
import { describe, expect, it } from 'vitest'
import { loadMigrations } from '../../src/lib/migrate/files.js'
import { runCli } from '../support/cli.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()

describe('another tool owns schema_migrations', () => {
  it("golang-migrate's table: a clear error, then --migrations-table lives beside it", async () => {
    const { url, sql } = await db.createDatabase()
    await sql`create table schema_migrations (version bigint primary key, dirty boolean not null)`
    await sql`insert into schema_migrations values (20240101120000, false)`
    for (const command of [['migrate'], ['status'], ['seed'], ['reconcile', '--check']]) {
      const run = await runCli([...command, '--database-url', url])
      expect(run.code, run.stderr).toBe(1)
      expect(run.stderr).toContain(
        'schema_migrations here belongs to another tool (looks like golang-migrate',
      )
      expect(run.stderr).toContain('--migrations-table')
      expect(run.stderr).not.toContain('does not exist')
    }
    const migrate = await runCli([
      'migrate',
      '--migrations-table',
      'vrss_migrations',
      '--database-url',
      url,
    ])
    expect(migrate.code, migrate.stderr).toBe(0)
    const theirs = await sql`select version::text, dirty from schema_migrations`
    expect(theirs).toEqual([{ version: '20240101120000', dirty: false }])
    const [ours] = await sql`select count(*)::int as n from vrss_migrations`
    expect(ours?.n).toBe(loadMigrations().length)
    // The environment variable works for every command that reads the bookkeeping.
    const env = { VRSS_DB_MIGRATIONS_TABLE: 'vrss_migrations', DATABASE_URL: url }
    const status = await runCli(['status', '--check', '--json'], { env })
    expect(status.code, status.stderr).toBe(0)
    expect(
      JSON.parse(status.stdout).phases.every((p: { state: string }) => p.state === 'applied'),
    ).toBe(true)
    const verify = await runCli(['verify-triggers'], { env })
    expect(verify.code, verify.stderr).toBe(0)
  })

  it("Rails' table: named as such; a quoted, schema-qualified table works for migrate and rollback", async () => {
    const { url, sql } = await db.createDatabase()
    await sql`create table schema_migrations (version varchar primary key)`
    const run = await runCli(['migrate', '--database-url', url])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('belongs to another tool (looks like Rails')
    await sql`create schema ops`
    const table = ['--migrations-table', 'ops.VRSS phases']
    const migrate = await runCli(['migrate', ...table, '--database-url', url])
    expect(migrate.code, migrate.stderr).toBe(0)
    const rollback = await runCli([
      'migrate',
      'rollback',
      '--to',
      '5',
      '--yes',
      ...table,
      '--database-url',
      url,
    ])
    expect(rollback.code, rollback.stderr).toBe(0)
    const rows = await sql`select version from ops."VRSS phases" order by version`
    expect(rows.map((r) => r.version)).toEqual([1, 2, 3, 4, 5])
    const [rails] = await sql`select count(*)::int as n from schema_migrations`
    expect(rails?.n).toBe(0)
  })
})
