// The migration engine against a real server: bookkeeping, failures, edits, locks, rollback.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { run as rollback } from '../../src/commands/rollback.js'
import { run as status } from '../../src/commands/status.js'
import { VrssError } from '../../src/lib/errors.js'
import { type MigrateEvent, migrate } from '../../src/lib/migrate/apply.js'
import { checksumOf, defaultMigrationsDir, loadMigrations } from '../../src/lib/migrate/files.js'
import { parseMigrateOptions } from '../../src/lib/migrate/options.js'
import { VRSS_TABLES } from '../../src/lib/schema/manifest.js'
import { migrateTo, testContext } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()

function migrationsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'vrss-migrations-'))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

function copyOfEmbedded(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vrss-migrations-'))
  cpSync(defaultMigrationsDir(), dir, { recursive: true })
  return dir
}

async function failure(promise: Promise<unknown>): Promise<VrssError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(VrssError)
  return err as VrssError
}

async function tableNames(sql: typeof db.sql): Promise<string[]> {
  const rows = await sql`select tablename from pg_tables where schemaname = 'public' order by 1`
  return rows.map((r) => r.tablename)
}

/** The embedded phases from `from` to the last one. */
const phasesFrom = (from: number) =>
  loadMigrations()
    .map((m) => m.version)
    .filter((v) => v >= from)
const LAST = loadMigrations().length

describe('migrate', () => {
  it('--phase 2 on an empty database applies 1 and 2; then the rest; then nothing', async () => {
    const { sql, url } = await db.createDatabase()
    const first = await migrateTo(sql, url, { phase: '2' })
    expect(first.applied.map((p) => p.version)).toEqual([1, 2])
    expect(first.pending).toEqual(phasesFrom(3))
    const second = await migrateTo(sql, url)
    expect(second.applied.map((p) => p.version)).toEqual(phasesFrom(3))
    const third = await migrateTo(sql, url)
    expect(third.applied).toEqual([])
    expect(third.upToDate).toEqual(phasesFrom(1))
  })

  it('records version, name, checksum, time and who in schema_migrations', async () => {
    const { sql, url } = await db.createDatabase()
    await migrateTo(sql, url)
    const rows =
      await sql`select version, name, checksum, execution_ms, applied_by, applied_at from schema_migrations order by version`
    const files = loadMigrations()
    expect(rows.map((r) => [r.version, r.name, r.checksum])).toEqual(
      files.map((m) => [m.version, m.name, m.checksum]),
    )
    for (const row of rows) {
      expect(row.execution_ms).toBeGreaterThanOrEqual(0)
      expect(row.applied_by).toMatch(/^\w+@/)
    }
  })

  it('--dry-run returns the SQL and changes nothing', async () => {
    const { sql, url } = await db.createDatabase()
    const result = await migrateTo(sql, url, { dryRun: true, phase: '1' })
    expect(result.plan?.map((p) => p.file)).toEqual(['001_foundation.sql'])
    expect(result.plan?.[0]?.sql).toContain('create table users')
    expect(await tableNames(sql)).toEqual([])
  })

  it('a failing phase leaves nothing of itself behind and names file, line and SQLSTATE', async () => {
    const { sql, url } = await db.createDatabase()
    const dir = migrationsDir({
      '001_one.sql': 'create table one (id int);\n',
      '002_two.sql': 'create table two (id int);\ninsert into two values (1);\n\nselect 1/0;\n',
    })
    const err = await failure(migrateTo(sql, url, { migrationsDir: dir }))
    expect(err.message).toBe('002_two.sql:4: division by zero [SQLSTATE 22012]')
    expect(err.exitCode).toBe(1)
    expect(await tableNames(sql)).toEqual(['one', 'schema_migrations'])
    const applied = await sql`select version from schema_migrations`
    expect(applied.map((r) => r.version)).toEqual([1])
  })

  it('a syntax error points at the line of the error inside a multi-line statement', async () => {
    const { sql, url } = await db.createDatabase()
    const dir = migrationsDir({
      '001_bad.sql': '-- header\ncreate table t (\n  id int,\n  name textt\n);\n',
    })
    const err = await failure(migrateTo(sql, url, { migrationsDir: dir }))
    expect(err.message).toMatch(/^001_bad\.sql:4: type "textt" does not exist \[SQLSTATE 42704\]/)
  })

  it('a hand-made users table stops phase 1 with a clear error; nothing is applied', async () => {
    const { sql, url } = await db.createDatabase()
    await sql`create table users (id int)`
    const err = await failure(migrateTo(sql, url))
    expect(err.message).toContain('001_foundation.sql:')
    expect(err.message).toContain('relation "users" already exists [SQLSTATE 42P07]')
    expect(err.hint).toContain('not created by vrss-db')
    expect(await tableNames(sql)).toEqual(['schema_migrations', 'users'])
    expect(await sql`select * from schema_migrations`).toHaveLength(0)
  })

  it('no permission to create tables gives a clear error', async () => {
    const { sql, url, name } = await db.createDatabase()
    const role = `${name}_ro`
    await sql.unsafe(`create role ${role} login password 'pw'`)
    await sql.unsafe(`revoke create on schema public from public`)
    const limited = new URL(url)
    limited.username = role
    limited.password = 'pw'
    const ro = db.connectUrl(limited.toString())
    const err = await failure(migrateTo(ro, limited.toString()))
    expect(err.message).toContain('permission denied for schema public [SQLSTATE 42501]')
    expect(err.hint).toContain('schema owner')
    await ro.end()
    await sql.unsafe(`drop owned by ${role}; drop role ${role}`).catch(() => undefined)
  })

  it('an edited applied phase is detected (exit 3) and --accept-edited records the new checksum', async () => {
    const { sql, url } = await db.createDatabase()
    const dir = copyOfEmbedded()
    await migrateTo(sql, url, { migrationsDir: dir, phase: '1' })
    const file = join(dir, '001_foundation.sql')
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n-- an innocent-looking edit\n`)
    const err = await failure(migrateTo(sql, url, { migrationsDir: dir }))
    expect(err.exitCode).toBe(3)
    expect(err.message).toContain('001_foundation were edited')
    const accepted = await migrateTo(sql, url, { migrationsDir: dir, acceptEdited: true })
    expect(accepted.accepted).toEqual([1])
    expect(accepted.applied.map((p) => p.version)).toEqual(phasesFrom(2))
    const [row] = await sql`select checksum from schema_migrations where version = 1`
    expect(row?.checksum).toBe(checksumOf(readFileSync(file, 'utf8')))
  })

  it('CRLF line endings and a BOM are not an edit', async () => {
    const { sql, url } = await db.createDatabase()
    const dir = copyOfEmbedded()
    await migrateTo(sql, url, { migrationsDir: dir, phase: '1' })
    const file = join(dir, '001_foundation.sql')
    writeFileSync(file, `\uFEFF${readFileSync(file, 'utf8').replace(/\n/g, '\r\n')}`)
    const result = await migrateTo(sql, url, { migrationsDir: dir })
    expect(result.applied.map((p) => p.version)).toEqual(phasesFrom(2))
  })

  it('a phase in the database that this build does not know stops migrate (exit 3)', async () => {
    const { sql, url } = await db.createDatabase()
    await migrateTo(sql, url)
    await sql`insert into schema_migrations (version, name, checksum, execution_ms) values (${LAST + 1}, 'future', 'x', 1)`
    const err = await failure(migrateTo(sql, url))
    expect(err.exitCode).toBe(3)
    expect(err.message).toContain(`${LAST + 1} (future)`)
    const report = await status({ check: true }, testContext(sql, url))
    expect(report.phases.find((p) => p.version === LAST + 1)?.state).toBe('unknown')
    expect(report.exitCode).toBe(3)
  })

  it('runs a no-transaction file (CREATE INDEX CONCURRENTLY) and records it', async () => {
    const { sql, url } = await db.createDatabase()
    const dir = migrationsDir({
      '001_table.sql':
        'create table t (id int, v int);\ninsert into t select g, g from generate_series(1, 100) g;\n',
      '002_index.sql': '-- vrss-db:no-transaction\ncreate index concurrently idx_t_v on t (v);\n',
    })
    const result = await migrateTo(sql, url, { migrationsDir: dir })
    expect(result.applied.map((p) => p.version)).toEqual([1, 2])
    const [idx] = await sql`select indisvalid from pg_index where indexrelid = 'idx_t_v'::regclass`
    expect(idx?.indisvalid).toBe(true)
  })

  it('a failed concurrent index build is reported as INVALID, by migrate and by status', async () => {
    const { sql, url } = await db.createDatabase()
    const dir = migrationsDir({
      '001_table.sql': 'create table t (v int);\ninsert into t values (1), (1);\n',
      '002_index.sql':
        '-- vrss-db:no-transaction\ncreate unique index concurrently idx_t_v on t (v);\n',
    })
    const err = await failure(migrateTo(sql, url, { migrationsDir: dir }))
    expect(err.message).toContain('002_index.sql:2')
    expect(err.message).toContain('23505')
    const [idx] = await sql`select indisvalid from pg_index where indexrelid = 'idx_t_v'::regclass`
    expect(idx?.indisvalid).toBe(false)
    // Not one of the embedded phases' indexes: status shows it, apart from VRSS's own.
    const report = await status({ check: true }, testContext(sql, url))
    expect(report.otherInvalidIndexes).toEqual(['idx_t_v'])
  })

  it('waits for the migration lock, then names its holder on timeout (exit 1)', async () => {
    const { sql, url } = await db.createDatabase()
    const holderUrl = new URL(url)
    const blocker = db.connectUrl(holderUrl.toString(), { application_name: 'deploy-host-7' })
    const reserved = await blocker.reserve()
    await reserved`select pg_advisory_lock(hashtextextended('vrss-db:migrate', 0))`
    const [{ pid } = { pid: 0 }] = await reserved`select pg_backend_pid() as pid`
    const started = Date.now()
    const err = await failure(migrateTo(sql, url, { lockWait: '600ms' }))
    expect(Date.now() - started).toBeGreaterThanOrEqual(550)
    expect(err.exitCode).toBe(1)
    expect(err.code).toBe('LOCK_TIMEOUT')
    expect(err.message).toContain(`backend pid ${pid}`)
    expect(err.message).toContain('"deploy-host-7"')
    expect(await tableNames(sql)).toEqual([])
    reserved.release()
    await blocker.end()
  })

  it('gives up on a table lock after --lock-timeout instead of blocking traffic', async () => {
    const { sql, url } = await db.createDatabase()
    await migrateTo(sql, url, { phase: '1' })
    const other = db.connectUrl(url)
    // A long transaction holding a lock on users, which phase 2's foreign keys need.
    const blocker = other.begin(async (tx) => {
      await tx`lock table users in access exclusive mode`
      await new Promise((resolve) => setTimeout(resolve, 1500))
    })
    await new Promise((resolve) => setTimeout(resolve, 100))
    const err = await failure(migrateTo(sql, url, { lockTimeout: '300ms', retries: '0' }))
    expect(err.code).toBe('55P03')
    expect(err.hint).toContain('lock_timeout')
    await blocker
    expect(await tableNames(sql)).toEqual([
      'schema_migrations',
      'storage_usage',
      'subscription_tiers',
      'user_profiles',
      'users',
    ])
    await other.end()
  })
  it('a phase that gave up on a table lock rolls back, waits and runs again until the lock is free', async () => {
    const { sql, url } = await db.createDatabase()
    await migrateTo(sql, url, { phase: '1' })
    const other = db.connectUrl(url)
    const blocker = other.begin(async (tx) => {
      await tx`lock table users in access exclusive mode`
      await new Promise((resolve) => setTimeout(resolve, 1500))
    })
    await new Promise((resolve) => setTimeout(resolve, 100))
    const events: MigrateEvent[] = []
    const options = parseMigrateOptions({ lockTimeout: '300ms', retries: '10' })
    const result = await migrate(testContext(sql, url), options, (e) => events.push(e))
    await blocker
    const retries = events.filter((e) => e.type === 'retry')
    expect(retries.length).toBeGreaterThan(0)
    expect(retries[0]).toMatchObject({ version: 2, attempt: 1, of: 10 })
    expect(result.applied.map((p) => p.version)).toEqual(phasesFrom(2))
    await other.end()
  })
})

describe('rollback', () => {
  it('runs down scripts newest first, removing exactly what the phases created', async () => {
    const { sql, url } = await db.createDatabase()
    await migrateTo(sql, url)
    const result = await rollback(
      {
        migrations: loadMigrations(),
        lockWaitMs: 5000,
        lockTimeoutMs: 5000,
        to: 2,
        force: false,
        yes: true,
      },
      testContext(sql, url),
    )
    expect(result.reverted.map((p) => p.version)).toEqual(phasesFrom(3).reverse())
    expect(await tableNames(sql)).toEqual([
      'comments',
      'friendships',
      'post_interactions',
      'post_media',
      'posts',
      'reposts',
      'schema_migrations',
      'storage_usage',
      'subscription_tiers',
      'user_follows',
      'user_profiles',
      'users',
    ])
    await rollback(
      {
        migrations: loadMigrations(),
        lockWaitMs: 5000,
        lockTimeoutMs: 5000,
        to: 0,
        force: false,
        yes: true,
      },
      testContext(sql, url),
    )
    expect(await tableNames(sql)).toEqual(['schema_migrations'])
    const leftovers = await sql`
      select typname as name from pg_type t join pg_namespace n on n.oid = t.typnamespace
      where n.nspname = 'public' and t.typtype = 'e'
      union all
      select proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public'`
    expect(leftovers).toEqual([])
    // And it can be applied again from scratch.
    expect((await migrateTo(sql, url)).applied).toHaveLength(LAST)
  })

  it('refuses to drop tables that hold rows unless forced', async () => {
    const { sql, url } = await db.createDatabase()
    await migrateTo(sql, url)
    await sql`insert into conversations (participant_ids) values ('{1,2}')`
    const options = {
      migrations: loadMigrations(),
      lockWaitMs: 5000,
      lockTimeoutMs: 5000,
      to: 3,
      force: false,
      yes: true,
    }
    const err = await failure(rollback(options, testContext(sql, url)))
    expect(err.message).toContain('conversations')
    expect(await tableNames(sql)).toContain('conversations')
    await rollback({ ...options, force: true }, testContext(sql, url))
    expect(await tableNames(sql)).not.toContain('conversations')
  })

  it('refuses without --yes when nobody can confirm', async () => {
    const { sql, url } = await db.createDatabase()
    await migrateTo(sql, url)
    const err = await failure(
      rollback(
        {
          migrations: loadMigrations(),
          lockWaitMs: 5000,
          lockTimeoutMs: 5000,
          to: 0,
          force: true,
          yes: false,
        },
        testContext(sql, url),
      ),
    )
    expect(err.exitCode).toBe(2)
    expect(err.message).toContain('without --yes')
    expect(await tableNames(sql)).toHaveLength(VRSS_TABLES.length + 1) // and schema_migrations
  })
})
