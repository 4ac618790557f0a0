// bin/vrss-db status --check with drift, --all and --schema, as a deploy script or a person
// runs them.
import { describe, expect, it } from 'vitest'
import type { Sql } from '../../src/lib/db/connect.js'
import { loadSql } from '../../src/lib/db/sql-files.js'
import { loadMigrations } from '../../src/lib/migrate/files.js'
import { runCli } from '../support/cli.js'
import { migrateTo } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()
const LAST = String(loadMigrations().length).padStart(3, '0')

async function scratchLeft(sql: Sql, name: string): Promise<boolean> {
  const [row] = await sql`select count(*)::int as n from pg_database where datname = ${name}`
  return row?.n === 1
}

describe('vrss-db status --check: drift', () => {
  it('reports each difference with its expected and actual value, exit 3, and leaves no scratch database', async () => {
    const { url, sql } = await db.createDatabase()
    await migrateTo(sql, url)
    const clean = await runCli(['status', '--check', '--json', '--database-url', url])
    expect(clean.code, clean.stderr).toBe(0)
    const cleanDoc = JSON.parse(clean.stdout)
    expect(cleanDoc.drift.differences).toEqual([])
    expect(await scratchLeft(sql, cleanDoc.drift.scratchDatabase)).toBe(false)

    await sql`alter table user_profiles alter column bio type varchar(5000)`
    await sql`alter table users drop constraint users_username_check`
    await sql`alter table users disable trigger users_set_updated_at`
    await sql`create table notes (id int)`
    const human = await runCli(['status', '--check', '--database-url', url])
    expect(human.code).toBe(3)
    expect(human.stdout).toContain(`! schema drift from a fresh apply of phase(s) 001–${LAST}:`)
    expect(human.stdout).toContain(
      '  column user_profiles.bio: type\n    expected  text\n    actual    character varying(5000)',
    )
    expect(human.stdout).toContain(
      "  constraint users.users_username_check: missing\n    expected  CHECK (((username)::text ~ '^[A-Za-z0-9_]{3,30}$'::text))\n    actual    (missing)",
    )
    expect(human.stdout).toContain(
      '  trigger users.users_set_updated_at: enabled\n    expected  enabled\n    actual    disabled',
    )
    expect(human.stdout).not.toContain('notes')

    const all = await runCli(['status', '--check', '--all', '--database-url', url])
    expect(all.code).toBe(3)
    expect(all.stdout).toContain(
      "note: not VRSS's (in the schema, created by no phase): table notes",
    )
    const doc = JSON.parse(
      (await runCli(['status', '--check', '--json', '--database-url', url])).stdout,
    )
    expect(doc.drift.differences.map((d: { name: string }) => d.name)).toEqual([
      'user_profiles.bio',
      'users.users_username_check',
      'users.users_set_updated_at',
    ])
    expect(await scratchLeft(sql, doc.drift.scratchDatabase)).toBe(false)
  })

  it('--all without --check is a usage error (2)', async () => {
    const run = await runCli(['status', '--all', '--database-url', db.url])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('--all goes with --check')
  })
})

describe('vrss-db status --schema', () => {
  it('prints the same SQL twice, which builds a database without drift', async () => {
    const { url, sql } = await db.createDatabase()
    await migrateTo(sql, url)
    const first = await runCli(['status', '--schema', '--database-url', url])
    const second = await runCli(['status', '--schema', '--database-url', url])
    expect(first.code, first.stderr).toBe(0)
    expect(second.stdout).toBe(first.stdout)
    expect(first.stdout).toMatch(new RegExp(`^-- VRSS schema of phase\\(s\\) 001–${LAST}\n`))

    const empty = await db.createDatabase()
    await empty.sql.unsafe(first.stdout)
    // The same bookkeeping as the migrated database: status --check then compares it, and finds
    // neither missing objects nor drift.
    await empty.sql.unsafe(loadSql('migrate/create-table'))
    const applied = await sql`select version, name, checksum, execution_ms from schema_migrations`
    for (const row of applied) {
      await empty.sql`insert into schema_migrations (version, name, checksum, execution_ms)
        values (${row.version}, ${row.name}, ${row.checksum}, ${row.execution_ms})`
    }
    const rebuilt = await runCli(['status', '--check', '--json', '--database-url', empty.url])
    expect(rebuilt.code, rebuilt.stdout).toBe(0)
    expect(JSON.parse(rebuilt.stdout).drift.differences).toEqual([])
  })
})
