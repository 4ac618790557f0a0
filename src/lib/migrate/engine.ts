/**
 * The migration engine: compares the embedded phases with schema_migrations, applies a phase
 * statement by statement (so a failure names its file and line) in one transaction together with
 * its bookkeeping row, and runs down scripts for rollback.
 */
import { hostname } from 'node:os'
import type { ReservedSql, Sql } from '../db/connect.js'
import { withTransaction } from '../db/sessions.js'
import { loadSql, query } from '../db/sql-files.js'
import { type SqlStatement, splitStatements } from '../db/sql-split.js'
import { isPostgresError, VrssError } from '../errors.js'
import type { Migration } from './files.js'

export const MIGRATION_LOCK = 'vrss-db:migrate'

export interface AppliedRow {
  version: number
  name: string
  checksum: string
  applied_at: Date
  execution_ms: number
  applied_by: string
}

export type PhaseState = 'applied' | 'pending' | 'edited' | 'unknown'

export interface PhaseStatus {
  version: number
  name: string
  state: PhaseState
  appliedAt?: string
  executionMs?: number
  appliedBy?: string
}

type Queryable = Sql | ReservedSql

/** Where vrss-db keeps its bookkeeping unless --migrations-table names another table. */
export const DEFAULT_MIGRATIONS_TABLE = 'schema_migrations'

const OWN_COLUMNS = ['version', 'name', 'checksum', 'applied_at', 'execution_ms', 'applied_by']

/** A [schema.]table name quoted for SQL text: identifiers cannot be bind parameters. */
export function quoteTableName(name: string): string {
  return name
    .split('.')
    .map((part) => `"${part.replace(/"/g, '""')}"`)
    .join('.')
}

/**
 * Runs one of the queries/migrations-*.sql files against the configured bookkeeping table
 * (the files name it schema_migrations, the default).
 */
function bookkeeping<T extends object>(
  sql: Queryable,
  name: string,
  table: string,
  params: (string | number)[] = [],
): Promise<T[]> {
  const text = loadSql(`queries/${name}`).replace(/\bschema_migrations\b/g, quoteTableName(table))
  return sql.unsafe(text, params) as unknown as Promise<T[]>
}

/**
 * Whether the bookkeeping table exists. One of the same name made by another tool
 * (golang-migrate, Rails …) is an error that says so, not a "column does not exist" later.
 */
async function bookkeepingExists(sql: Queryable, table: string): Promise<boolean> {
  const columns = await query<{ name: string; type: string }>(
    sql as Sql,
    'queries/migrations-columns',
    [quoteTableName(table)],
  )
  if (columns.length === 0) return false
  const names = columns.map((c) => c.name)
  if (OWN_COLUMNS.every((c) => names.includes(c))) return true
  throw new VrssError(
    `${table} here belongs to another tool (looks like ${guessTool(columns)}: ${columns.map((c) => `${c.name} ${c.type}`).join(', ')}); vrss-db's has ${OWN_COLUMNS.join(', ')}`,
    {
      hint: 'Leave it to that tool and choose another bookkeeping table for vrss-db with --migrations-table (or VRSS_DB_MIGRATIONS_TABLE), e.g. --migrations-table vrss_schema_migrations.',
      code: 'FOREIGN_MIGRATIONS_TABLE',
    },
  )
}

function guessTool(columns: { name: string; type: string }[]): string {
  const names = columns.map((c) => c.name)
  if (names.includes('dirty')) return 'golang-migrate'
  if (names.length === 1 && names[0] === 'version') return 'Rails'
  if (names.includes('installed_rank')) return 'Flyway'
  return 'another migration tool'
}

export async function readApplied(
  sql: Queryable,
  table = DEFAULT_MIGRATIONS_TABLE,
): Promise<AppliedRow[]> {
  if (!(await bookkeepingExists(sql, table))) return []
  return bookkeeping<AppliedRow>(sql, 'migrations-applied', table)
}

export function comparePhases(migrations: Migration[], applied: AppliedRow[]): PhaseStatus[] {
  const byVersion = new Map(applied.map((row) => [row.version, row]))
  const known = migrations.map((m): PhaseStatus => {
    const row = byVersion.get(m.version)
    if (!row) return { version: m.version, name: m.name, state: 'pending' }
    return {
      version: m.version,
      name: m.name,
      state: row.checksum === m.checksum ? 'applied' : 'edited',
      appliedAt: row.applied_at.toISOString(),
      executionMs: row.execution_ms,
      appliedBy: row.applied_by,
    }
  })
  const unknown = applied
    .filter((row) => !migrations.some((m) => m.version === row.version))
    .map(
      (row): PhaseStatus => ({
        version: row.version,
        name: row.name,
        state: 'unknown',
        appliedAt: row.applied_at.toISOString(),
        executionMs: row.execution_ms,
        appliedBy: row.applied_by,
      }),
    )
  return [...known, ...unknown]
}

export async function ensureBookkeeping(
  conn: ReservedSql,
  table = DEFAULT_MIGRATIONS_TABLE,
): Promise<void> {
  if (await bookkeepingExists(conn, table)) return
  const text = loadSql('queries/migrations-create-table').replace(
    /\bschema_migrations\b/g,
    quoteTableName(table),
  )
  await runScript(conn, text, table)
}

/** migrate --accept-edited: the edited file's checksum becomes the recorded one. */
export async function acceptChecksum(
  conn: ReservedSql,
  migration: Migration,
  table = DEFAULT_MIGRATIONS_TABLE,
): Promise<void> {
  await bookkeeping(conn, 'migrations-accept-checksum', table, [
    migration.version,
    migration.checksum,
  ])
}

export interface ApplyOptions {
  lockTimeoutMs: number
  /** The bookkeeping table (--migrations-table); schema_migrations by default. */
  table?: string
  /**
   * lock_timeout of a CREATE INDEX CONCURRENTLY: besides its table lock it waits for every
   * older transaction that could write the table, which on a busy database takes longer than a
   * plain lock wait should.
   */
  indexWaitMs?: number
  /** Told what the runner did by itself (e.g. rebuilt an INVALID index a phase left behind). */
  onNote?: (message: string) => void
}

export const DEFAULT_INDEX_WAIT_MS = 10 * 60_000

/**
 * Applies one phase. A transactional phase re-checks the bookkeeping inside its transaction, so
 * even two runners that both got past the lock could not apply it twice.
 * Returns the execution time, or undefined when another runner had applied it already.
 */
export async function applyMigration(
  conn: ReservedSql,
  migration: Migration,
  options: ApplyOptions,
): Promise<number | undefined> {
  const started = performance.now()
  const record = async () => {
    const ms = Math.round(performance.now() - started)
    await bookkeeping(conn, 'migrations-record', options.table ?? DEFAULT_MIGRATIONS_TABLE, [
      migration.version,
      migration.name,
      migration.checksum,
      ms,
      hostname(),
    ])
    return ms
  }
  if (migration.transactional) {
    return withTransaction(
      conn,
      async () => {
        const [done] = await bookkeeping(
          conn,
          'migrations-is-applied',
          options.table ?? DEFAULT_MIGRATIONS_TABLE,
          [migration.version],
        )
        if (done) return undefined
        await runScript(conn, migration.up, migration.file)
        return record()
      },
      { lockTimeoutMs: options.lockTimeoutMs },
    )
  }
  await applyWithoutTransaction(conn, migration, options)
  return record()
}

/**
 * A phase outside a transaction (CREATE INDEX CONCURRENTLY) can stop half-way: a lock timeout,
 * Ctrl+C, kill -9, a lost connection. Its statements are idempotent (IF NOT EXISTS, OR
 * REPLACE), and an index it left INVALID is dropped and built again here, so running the
 * phase again finishes it. INVALID indexes that are not the phase's own are not its business.
 */
async function applyWithoutTransaction(
  conn: ReservedSql,
  migration: Migration,
  options: ApplyOptions,
): Promise<void> {
  const own = concurrentIndexesOf(migration.up)
  for (const index of await invalidIndexes(conn)) {
    if (!own.includes(index.index)) continue
    options.onNote?.(
      `${migration.file}: index ${index.index} was left INVALID by an earlier run; dropping it to build it again`,
    )
    await setLockTimeout(conn, options.indexWaitMs ?? DEFAULT_INDEX_WAIT_MS)
    await conn`drop index concurrently if exists ${conn(index.index)}`
  }
  try {
    for (const statement of splitStatements(migration.up)) {
      const concurrent = /\bconcurrently\b/i.test(statement.sql)
      await setLockTimeout(
        conn,
        concurrent ? (options.indexWaitMs ?? DEFAULT_INDEX_WAIT_MS) : options.lockTimeoutMs,
      )
      await runStatement(conn, statement, migration.file)
    }
  } catch (err) {
    throw await partialPhaseError(conn, migration, own, err)
  } finally {
    await setLockTimeout(conn, 0).catch(() => undefined)
  }
  const left = (await invalidIndexes(conn)).filter((i) => own.includes(i.index))
  if (left.length > 0) {
    throw new VrssError(
      `${migration.file} left INVALID indexes: ${left.map((i) => i.index).join(', ')}`,
      {
        hint: 'A concurrent index build failed; run `vrss-db migrate` again: it drops and rebuilds them.',
        code: 'INVALID_INDEX',
      },
    )
  }
}

/** The names of the indexes a phase builds CONCURRENTLY. */
export function concurrentIndexesOf(sql: string): string[] {
  const names: string[] = []
  for (const statement of splitStatements(sql)) {
    const match =
      /^create\s+(?:unique\s+)?index\s+concurrently\s+(?:if\s+not\s+exists\s+)?("?)([a-z_][a-z0-9_$]*)\1/i.exec(
        statement.sql,
      )
    if (match) names.push(match[2] as string)
  }
  return names
}

/** Says truthfully what a half-applied phase left, and that the next run finishes it. */
async function partialPhaseError(
  conn: ReservedSql,
  migration: Migration,
  own: string[],
  err: unknown,
): Promise<VrssError> {
  const base = err instanceof VrssError ? err : statementError(err, migration.file, 0, '')
  const states = await query<{ index: string; valid: boolean }>(conn, 'queries/index-states', [
    own,
  ]).catch(() => [])
  const left = states.map((s) => `${s.index} (${s.valid ? 'valid' : 'INVALID'})`)
  // A concurrent build waits under --index-wait, not --lock-timeout.
  const hint = /concurrently/i.test(
    String((base.details as { statement?: string } | undefined)?.statement ?? ''),
  )
    ? 'A concurrent index build waited longer than --index-wait for older transactions; raise --index-wait or retry when they are done.'
    : base.hint
  return new VrssError(
    `${base.message}; ${migration.file} runs outside a transaction and stopped half-way${left.length ? `, leaving indexes ${left.join(', ')}` : ', before building any index'}`,
    {
      code: base.code,
      exitCode: base.exitCode,
      hint: `${hint ? `${hint} ` : ''}Run \`vrss-db migrate\` again: it rebuilds what this phase left INVALID and finishes it.`,
      details: { ...base.details, leftIndexes: states },
      cause: err,
    },
  )
}

async function setLockTimeout(conn: ReservedSql, ms: number): Promise<void> {
  await conn`select set_config('lock_timeout', ${`${ms}ms`}, false)`
}

/** Runs a phase's down script and removes its bookkeeping row, in one transaction. */
export async function revertMigration(
  conn: ReservedSql,
  migration: Migration,
  options: ApplyOptions & {
    /** Runs inside the transaction before the down script (e.g. lock and re-check tables). */
    beforeDown?: (conn: ReservedSql) => Promise<void>
  },
): Promise<number> {
  const down = migration.down
  if (down === undefined) {
    throw new VrssError(`${migration.file} has no down script`, {
      hint: `Add ${migration.file.replace(/\.sql$/, '.down.sql')} next to it.`,
    })
  }
  const started = performance.now()
  await withTransaction(
    conn,
    async () => {
      await options.beforeDown?.(conn)
      await runScript(conn, down, migration.file.replace(/\.sql$/, '.down.sql'))
      await bookkeeping(conn, 'migrations-forget', options.table ?? DEFAULT_MIGRATIONS_TABLE, [
        migration.version,
      ])
    },
    { lockTimeoutMs: options.lockTimeoutMs },
  )
  return Math.round(performance.now() - started)
}

export interface InvalidIndex {
  index: string
  table: string
}

export function invalidIndexes(sql: Queryable): Promise<InvalidIndex[]> {
  return query<InvalidIndex>(sql, 'queries/invalid-indexes')
}

/** Runs each statement of a file; an error names the file, line, SQLSTATE and message. */
async function runScript(conn: ReservedSql, text: string, file: string): Promise<void> {
  for (const statement of splitStatements(text)) await runStatement(conn, statement, file)
}

async function runStatement(conn: ReservedSql, statement: SqlStatement, file: string) {
  try {
    await conn.unsafe(statement.sql).simple()
  } catch (err) {
    throw statementError(err, file, statement.line, statement.sql)
  }
}

function statementError(err: unknown, file: string, line: number, statementSql: string): VrssError {
  if (!isPostgresError(err))
    return err instanceof VrssError ? err : new VrssError(String(err), { cause: err })
  const position = err.position ? Number(err.position) : undefined
  const exactLine =
    position === undefined
      ? line
      : line + (statementSql.slice(0, position - 1).match(/\n/g)?.length ?? 0)
  const detail = err.detail ? ` (${err.detail})` : ''
  return new VrssError(`${file}:${exactLine}: ${err.message} [SQLSTATE ${err.code}]${detail}`, {
    code: err.code,
    hint: hintFor(err.code, err.hint),
    details: {
      file,
      line: exactLine,
      statement: statementSql.slice(0, 300),
      sqlstate: err.code,
      detail: err.detail,
      hint: err.hint,
      where: err.where,
    },
    cause: err,
  })
}

function hintFor(sqlstate: string, serverHint: string | undefined): string | undefined {
  switch (sqlstate) {
    case '42P07':
    case '42710':
    case '42723':
      return 'An object of that name already exists but was not created by vrss-db (it is not in schema_migrations). Rename or drop it, or migrate another database or schema. Nothing of this phase was applied.'
    case '42501':
      return 'The database user lacks a privilege: migrate as the schema owner (GRANT CREATE ON SCHEMA public TO …).'
    case '55P03':
      return 'Another transaction holds a lock this phase needs; the phase gave up (lock_timeout) rather than block traffic. Retry when it is done, or raise --lock-timeout.'
    case '57014':
      return 'The statement was cancelled (statement_timeout or an operator).'
    default:
      return serverHint
  }
}
