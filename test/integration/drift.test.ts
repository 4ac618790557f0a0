// Drift: the live catalog compared with a scratch database holding the same phases. Each kind of
// hand-made change is found with its name, expected and actual value; what is not VRSS's is
// left out (or listed with --all); the scratch database never stays behind.
import { describe, expect, it } from 'vitest'
import { run as status } from '../../src/commands/status.js'
import { silent } from '../../src/lib/core.js'
import type { Sql } from '../../src/lib/db/connect.js'
import { loadMigrations, type Migration } from '../../src/lib/migrate/files.js'
import { checkDrift, type DriftResult, expectedSchema } from '../../src/lib/schema/expected.js'
import { migrateTo, testContext } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()

/** status --check as `vrss-db status` runs it: every connection read-only by default. */
async function check(url: string, options: { all?: boolean } = {}) {
  const readOnly = db.connectUrl(url, { default_transaction_read_only: 'on' })
  const ctx = testContext(readOnly, url)
  const result = await status({ check: true, all: options.all }, ctx)
  return { result, stderr: ctx.stderr.text }
}

function compared(drift: DriftResult | undefined) {
  if (!drift?.checked) throw new Error(`drift was not checked: ${JSON.stringify(drift)}`)
  return drift
}

async function scratchDatabases(sql: Sql): Promise<string[]> {
  const rows = await sql`select datname from pg_database where datname like 'vrss_scratch_%'`
  return rows.map((r) => r.datname as string)
}

async function migrated() {
  const target = await db.createDatabase()
  await migrateTo(target.sql, target.url)
  return target
}

describe('drift', () => {
  it('finds nothing on a migrated database, on a read-only session, and drops its scratch database', async () => {
    const { url, sql } = await migrated()
    const { result } = await check(url)
    const drift = compared(result.drift)
    expect(drift.differences).toEqual([])
    expect(drift.phases).toEqual(loadMigrations().map((m) => m.version))
    expect(drift.compared).toBeGreaterThan(300)
    expect(result.exitCode ?? 0).toBe(0)
    expect(await scratchDatabases(sql)).not.toContain(drift.scratchDatabase)
  })

  it('reports an altered column type, a dropped CHECK, an edited trigger function and a disabled trigger', async () => {
    const { url, sql } = await migrated()
    await sql`alter table user_profiles alter column bio type varchar(5000)`
    await sql`alter table users drop constraint users_username_check`
    await sql`alter table users disable trigger users_create_storage_row`
    await sql.unsafe(`create or replace function vrss_create_storage_row() returns trigger
      language plpgsql as $$
      begin
        insert into storage_usage (user_id, quota_bytes) values (new.id, 1);
        return null;
      end
      $$`)
    const { result } = await check(url)
    expect(result.exitCode).toBe(3)
    const differences = compared(result.drift).differences
    const find = (kind: string, name: string, differs: string) =>
      differences.find((d) => d.kind === kind && d.name === name && d.differs === differs)
    expect(find('column', 'user_profiles.bio', 'type')).toMatchObject({
      expected: 'text',
      actual: 'character varying(5000)',
    })
    expect(find('constraint', 'users.users_username_check', 'missing')).toMatchObject({
      expected: "CHECK (((username)::text ~ '^[A-Za-z0-9_]{3,30}$'::text))",
      actual: null,
    })
    const body = find('function', 'vrss_create_storage_row()', 'body')
    expect(body?.expected).toContain("where name = 'Free'")
    expect(body?.actual).toContain('values (new.id, 1)')
    expect(find('trigger', 'users.users_create_storage_row', 'enabled')).toMatchObject({
      expected: 'enabled',
      actual: 'disabled',
    })
    const finding = result.findings.find((f) => f.startsWith('schema drift'))
    expect(finding).toContain('column user_profiles.bio (type)')
    expect(finding).toContain('trigger users.users_create_storage_row (enabled)')
  })

  it("ignores what is not VRSS's, and lists it with --all (not vrss-db's own bookkeeping)", async () => {
    const { url, sql } = await migrated()
    await sql`create table notes (id int primary key, body text)`
    await sql`create index idx_posts_by_someone_else on posts (views_count)`
    const quiet = await check(url)
    expect(quiet.result.exitCode ?? 0).toBe(0)
    expect(compared(quiet.result.drift).differences).toEqual([])
    expect(compared(quiet.result.drift).extra).toBeUndefined()
    const all = await check(url, { all: true })
    expect(all.result.exitCode ?? 0).toBe(0)
    expect(compared(all.result.drift).extra).toEqual([
      { kind: 'table', name: 'notes' },
      { kind: 'index', name: 'idx_posts_by_someone_else' },
    ])
  })

  it('compares a database whose VRSS schema is not public', async () => {
    const target = await db.createDatabase()
    await target.sql`create schema vrss`
    await target.sql.unsafe(`alter database ${target.name} set search_path = vrss`)
    await target.sql.end()
    const sql = db.connectUrl(target.url)
    await migrateTo(sql, target.url)
    const [where] =
      await sql`select relnamespace::regnamespace::text as schema from pg_class where relname = 'users'`
    expect(where?.schema).toBe('vrss')
    const { result } = await check(target.url)
    expect(compared(result.drift).differences).toEqual([])
  })

  it('without CREATEDB: one warning, drift skipped, the other checks still run', async () => {
    const { url, sql, name } = await migrated()
    const role = `${name}_reader`
    await sql.unsafe(`create role ${role} login password 'reader-pw' nocreatedb`)
    await sql.unsafe(`grant select on all tables in schema public to ${role}`)
    const readerUrl = new URL(url)
    readerUrl.username = role
    readerUrl.password = 'reader-pw'
    const { result, stderr } = await check(readerUrl.toString())
    expect(result.drift).toMatchObject({ checked: false, code: 'SCRATCH_NOT_ALLOWED' })
    expect(stderr).toContain('drift not checked: the role may not create databases (CREATEDB)')
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(result.exitCode ?? 0).toBe(0)
    expect(result.phases.every((p) => p.state === 'applied')).toBe(true)
    await sql.unsafe(`drop owned by ${role}`)
  })
})

describe('a phase that does not apply to an empty database', () => {
  it('skips drift naming the phase, and drops the scratch database', async () => {
    const { url, sql } = await migrated()
    const created: string[] = []
    const broken = {
      ...(loadMigrations()[0] as Migration),
      file: '001_broken.sql',
      up: 'create tabel x ();',
    }
    const drift = await checkDrift(
      testContext(sql, url),
      { phases: [broken], schema: 'public', bookkeeping: [], all: false },
      (event) => {
        if (event.type === 'scratch-created') created.push(event.database)
      },
    )
    expect(drift).toMatchObject({ checked: false, code: 'SCRATCH_PHASE_FAILED' })
    expect(!drift.checked && drift.reason).toContain(
      'phase 001_broken.sql failed on the scratch database: syntax error',
    )
    expect(created).toHaveLength(1)
    expect(await scratchDatabases(sql)).not.toContain(created[0])
  })
})

describe('status --schema', () => {
  it('is the same text twice, and applied to an empty database gives the phases’ catalog', async () => {
    const { url } = await migrated()
    const ctx = testContext(db.connectUrl(url, { default_transaction_read_only: 'on' }), url)
    const first = await expectedSchema(ctx, {}, silent)
    const second = await expectedSchema(ctx, {}, silent)
    expect(second.sql).toBe(first.sql)
    expect(first.allPhases).toBe(false)
    expect(first.sql).toContain('create table users (')

    const empty = await db.createDatabase()
    await empty.sql.unsafe(first.sql)
    // The rebuilt database has no drift from the phases, and nothing more.
    const drift = await checkDrift(
      testContext(empty.sql, empty.url),
      { phases: loadMigrations(), schema: 'public', bookkeeping: [], all: true },
      silent,
    )
    expect(compared(drift).differences).toEqual([])
    expect(compared(drift).extra).toEqual([])
  })

  it('gives every phase when nothing is applied yet', async () => {
    const target = await db.createDatabase()
    const result = await expectedSchema(testContext(target.sql, target.url), {}, silent)
    expect(result.allPhases).toBe(true)
    expect(result.phases).toEqual(loadMigrations().map((m) => m.version))
  })
})
