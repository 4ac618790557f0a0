/**
 * The one door to the bookkeeping table (schema_migrations, or the --migrations-table): every
 * statement that reads or writes it is here, in src/sql/migrate/*.sql. Also what the recorded
 * rows say about the embedded phases (comparePhases).
 */
import { hostname } from 'node:os'
import type { ReservedSql, Sql } from '../db/connect.js'
import { loadSql, query } from '../db/sql-files.js'
import { VrssError } from '../errors.js'
import type { Migration } from './files.js'
import { runScript } from './statements.js'

/** Where vrss-db keeps its bookkeeping unless --migrations-table names another table. */
export const DEFAULT_MIGRATIONS_TABLE = 'schema_migrations'

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

const OWN_COLUMNS = ['version', 'name', 'checksum', 'applied_at', 'execution_ms', 'applied_by']

/** A [schema.]table name quoted for SQL text: identifiers cannot be bind parameters. */
export function quoteTableName(name: string): string {
  return name
    .split('.')
    .map((part) => `"${part.replace(/"/g, '""')}"`)
    .join('.')
}

/** The text of src/sql/migrate/<name>.sql aimed at the configured bookkeeping table. */
function bookkeepingSql(name: string, table: string): string {
  return loadSql(`migrate/${name}`).replace(/\bschema_migrations\b/g, quoteTableName(table))
}

function bookkeeping<T extends object>(
  sql: Queryable,
  name: string,
  table: string,
  params: (string | number)[] = [],
): Promise<T[]> {
  return sql.unsafe(bookkeepingSql(name, table), params) as unknown as Promise<T[]>
}

/**
 * Whether the bookkeeping table exists. One of the same name made by another tool
 * (golang-migrate, Rails …) is an error that says so, not a "column does not exist" later.
 */
async function bookkeepingExists(sql: Queryable, table: string): Promise<boolean> {
  const columns = await query<{ name: string; type: string }>(sql as Sql, 'migrate/columns', [
    quoteTableName(table),
  ])
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

/** The recorded phases, oldest first; none when the bookkeeping table does not exist yet. */
export async function readApplied(
  sql: Queryable,
  table = DEFAULT_MIGRATIONS_TABLE,
): Promise<AppliedRow[]> {
  if (!(await bookkeepingExists(sql, table))) return []
  return bookkeeping<AppliedRow>(sql, 'applied', table)
}

/**
 * Each embedded phase's state against the recorded rows, then the rows no embedded phase knows.
 * (Keys in this order: `status --json` prints them so.)
 */
export function comparePhases(migrations: Migration[], applied: AppliedRow[]): PhaseStatus[] {
  const byVersion = new Map(applied.map((row) => [row.version, row]))
  const known = migrations.map((m): PhaseStatus => {
    const row = byVersion.get(m.version)
    if (!row) return { version: m.version, name: m.name, state: 'pending' }
    return {
      version: m.version,
      name: m.name,
      state: row.checksum === m.checksum ? 'applied' : 'edited',
      ...whenApplied(row),
    }
  })
  const unknown = applied
    .filter((row) => !migrations.some((m) => m.version === row.version))
    .map(
      (row): PhaseStatus => ({
        version: row.version,
        name: row.name,
        state: 'unknown',
        ...whenApplied(row),
      }),
    )
  return [...known, ...unknown]
}

function whenApplied(
  row: AppliedRow,
): Pick<PhaseStatus, 'appliedAt' | 'executionMs' | 'appliedBy'> {
  return {
    appliedAt: row.applied_at.toISOString(),
    executionMs: row.execution_ms,
    appliedBy: row.applied_by,
  }
}

/** Creates the bookkeeping table unless it is there (and vrss-db's own). */
export async function ensureBookkeeping(
  conn: ReservedSql,
  table = DEFAULT_MIGRATIONS_TABLE,
): Promise<void> {
  if (await bookkeepingExists(conn, table)) return
  await runScript(conn, bookkeepingSql('create-table', table), table)
}

/** Whether a phase is recorded: re-checked inside the phase's own transaction. */
export async function isRecorded(
  conn: ReservedSql,
  version: number,
  table = DEFAULT_MIGRATIONS_TABLE,
): Promise<boolean> {
  const [row] = await bookkeeping(conn, 'is-applied', table, [version])
  return row !== undefined
}

/** Records an applied phase, with who applied it from which host. */
export async function recordApplied(
  conn: ReservedSql,
  migration: Migration,
  executionMs: number,
  table = DEFAULT_MIGRATIONS_TABLE,
): Promise<void> {
  await bookkeeping(conn, 'record', table, [
    migration.version,
    migration.name,
    migration.checksum,
    executionMs,
    hostname(),
  ])
}

/** Removes a phase's row, in the same transaction as its down script. */
export async function forgetApplied(
  conn: ReservedSql,
  version: number,
  table = DEFAULT_MIGRATIONS_TABLE,
): Promise<void> {
  await bookkeeping(conn, 'forget', table, [version])
}

/** migrate --accept-edited: the edited file's checksum becomes the recorded one. */
export async function acceptChecksum(
  conn: ReservedSql,
  migration: Migration,
  table = DEFAULT_MIGRATIONS_TABLE,
): Promise<void> {
  await bookkeeping(conn, 'accept-checksum', table, [migration.version, migration.checksum])
}
