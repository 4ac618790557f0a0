/**
 * A snapshot of the objects of one schema, as the server itself prints them (format_type,
 * pg_get_expr, pg_get_*def): what drift compares and what `status --schema` prints as SQL.
 * Both sides of a drift comparison are read from the same server, so version-specific output
 * of pg_get_*def is alike on both; schema qualifiers are removed so a database whose VRSS
 * schema is `vrss` compares equal to a scratch database built in `public`.
 */
import type { Sql, TransactionSql } from '../db/connect.js'
import { send } from '../db/sql-files.js'
import { unqualify } from './sql-names.js'

export interface ColumnSnapshot {
  name: string
  type: string
  notNull: boolean
  default: string | null
  /** The expression of a GENERATED ALWAYS AS (…) STORED column. */
  generated: string | null
  identity: 'always' | 'by default' | null
  /** Only when it is not the type's default collation (already quoted). */
  collation: string | null
}

export interface TableSnapshot {
  name: string
  unlogged: boolean
  columns: ColumnSnapshot[]
}

export type ConstraintType =
  | 'check'
  | 'foreign key'
  | 'primary key'
  | 'unique'
  | 'exclusion'
  | 'trigger'

export interface ConstraintSnapshot {
  table: string
  name: string
  type: ConstraintType
  /** pg_get_constraintdef, with " NOT VALID" when not validated. */
  definition: string
  validated: boolean
}

export interface IndexSnapshot {
  table: string
  name: string
  definition: string
  valid: boolean
  /** Owned by a PRIMARY KEY, UNIQUE or EXCLUDE constraint (created and compared through it). */
  constraint: boolean
}

export type TriggerState = 'enabled' | 'disabled' | 'replica only' | 'always'

export interface TriggerSnapshot {
  table: string
  name: string
  definition: string
  enabled: TriggerState
}

export interface FunctionSnapshot {
  name: string
  procedure: boolean
  identityArguments: string
  /** With names, modes and defaults, as CREATE FUNCTION takes them. */
  arguments: string
  result: string | null
  language: string
  body: string
  volatility: 'immutable' | 'stable' | 'volatile'
  strict: boolean
  securityDefiner: boolean
  leakproof: boolean
  parallel: 'safe' | 'restricted' | 'unsafe'
  /** SET clauses, "name=value". */
  config: string[]
  cost: string
  /** Estimated rows of a set-returning function; null otherwise. */
  rows: string | null
}

export interface EnumSnapshot {
  name: string
  labels: string[]
}

export interface SequenceSnapshot {
  name: string
  type: string
  start: string
  increment: string
  min: string
  max: string
  cache: string
  cycle: boolean
  /** "table.column" of the owning column, if any. */
  ownedBy: string | null
  /** The sequence of an identity column (it comes and goes with the column). */
  identity: boolean
}

export interface ViewSnapshot {
  name: string
  materialized: boolean
  definition: string
}

export interface CatalogSnapshot {
  tables: TableSnapshot[]
  constraints: ConstraintSnapshot[]
  indexes: IndexSnapshot[]
  triggers: TriggerSnapshot[]
  functions: FunctionSnapshot[]
  enums: EnumSnapshot[]
  sequences: SequenceSnapshot[]
  views: ViewSnapshot[]
}

/**
 * Runs `fn` with search_path = `schema` (pg_get_*def then print names unqualified) in one
 * read-only snapshot: its own transaction on a pool, or — inside a caller's transaction (status
 * runs in one READ ONLY transaction) — that transaction, with the search_path put back after.
 */
async function withSchemaPath<T>(
  sql: Sql,
  schema: string,
  fn: (tx: Sql | TransactionSql) => Promise<T>,
): Promise<T> {
  if (typeof sql.begin === 'function') {
    return sql.begin('read only', async (tx) => {
      await tx`select set_config('search_path', quote_ident(${schema}), true)`
      return fn(tx)
    }) as Promise<T>
  }
  const [saved] = await sql<{ path: string }[]>`select current_setting('search_path') as path`
  await sql`select set_config('search_path', quote_ident(${schema}), true)`
  try {
    return await fn(sql)
  } finally {
    await sql`select set_config('search_path', ${saved?.path ?? ''}, true)`
  }
}

/**
 * Reads the snapshot of `schema` in one read-only transaction (one consistent view of the
 * catalog) whose search_path is that schema alone: what the pg_get_* functions leave
 * unqualified then does not depend on the session's search_path.
 */
export async function readCatalog(sql: Sql, schema: string): Promise<CatalogSnapshot> {
  const rows = await withSchemaPath(sql, schema, (tx) => {
    const read = <T extends object>(name: string) => send<T>(tx, `catalog/${name}`, [schema])
    return Promise.all([
      read<TableRow>('tables'),
      read<ColumnRow>('columns'),
      read<ConstraintRow>('constraints'),
      read<IndexRow>('indexes'),
      read<TriggerRow>('triggers'),
      read<FunctionRow>('functions'),
      read<EnumSnapshot>('enums'),
      read<SequenceRow>('sequences'),
      read<ViewSnapshot>('views'),
    ])
  })
  const [tables, columns, constraints, indexes, triggers, functions, enums, sequences, views] = rows
  const plain = (text: string) => unqualify(text, schema)
  return {
    tables: tables.map((t) => ({
      name: t.name,
      unlogged: t.unlogged,
      columns: columns.filter((c) => c.table === t.name).map((c) => columnOf(c, plain)),
    })),
    constraints: constraints.map((k) => ({
      table: k.table,
      name: k.name,
      type: CONSTRAINT_TYPES[k.type] ?? 'check',
      definition: plain(k.definition),
      validated: k.validated,
    })),
    indexes: indexes.map((i) => ({ ...i, definition: plain(i.definition) })),
    triggers: triggers.map((t) => ({
      table: t.table,
      name: t.name,
      definition: plain(t.definition),
      enabled: TRIGGER_STATES[t.enabled] ?? 'enabled',
    })),
    functions: functions.map((f) => functionOf(f, plain)),
    enums: enums.map((e) => ({ name: e.name, labels: [...e.labels] })),
    sequences: sequences.map(sequenceOf),
    views: views.map((v) => ({ ...v, definition: plain(v.definition) })),
  }
}

interface TableRow {
  name: string
  unlogged: boolean
}

interface ColumnRow {
  table: string
  name: string
  type: string
  not_null: boolean
  default: string | null
  generated: string | null
  identity: 'a' | 'd' | null
  collation: string | null
}

interface ConstraintRow {
  table: string
  name: string
  type: string
  definition: string
  validated: boolean
}

type IndexRow = IndexSnapshot

interface TriggerRow {
  table: string
  name: string
  definition: string
  enabled: string
}

interface FunctionRow {
  name: string
  kind: 'f' | 'p'
  identity_arguments: string
  arguments: string
  result: string | null
  language: string
  body: string
  volatility: 'i' | 's' | 'v'
  strict: boolean
  security_definer: boolean
  leakproof: boolean
  parallel: 's' | 'r' | 'u'
  config: string[]
  cost: string
  rows: string
  returns_set: boolean
}

/** A sequence as catalog/sequences.sql reads it: the owning column in two parts. */
interface SequenceRow extends Omit<SequenceSnapshot, 'ownedBy'> {
  owned_by_table: string | null
  owned_by_column: string | null
}

const CONSTRAINT_TYPES: Record<string, ConstraintType> = {
  c: 'check',
  f: 'foreign key',
  p: 'primary key',
  u: 'unique',
  x: 'exclusion',
  t: 'trigger',
}

/** pg_trigger.tgenabled: O fires in origin (normal) mode, D never, R on replicas only, A always. */
const TRIGGER_STATES: Record<string, TriggerState> = {
  O: 'enabled',
  D: 'disabled',
  R: 'replica only',
  A: 'always',
}

function columnOf(row: ColumnRow, plain: (text: string) => string): ColumnSnapshot {
  return {
    name: row.name,
    type: plain(row.type),
    notNull: row.not_null,
    default: row.default === null ? null : plain(row.default),
    generated: row.generated === null ? null : plain(row.generated),
    identity: row.identity === 'a' ? 'always' : row.identity === 'd' ? 'by default' : null,
    collation: row.collation,
  }
}

const VOLATILITY = { i: 'immutable', s: 'stable', v: 'volatile' } as const
const PARALLEL = { s: 'safe', r: 'restricted', u: 'unsafe' } as const

function functionOf(row: FunctionRow, plain: (text: string) => string): FunctionSnapshot {
  return {
    name: row.name,
    procedure: row.kind === 'p',
    identityArguments: plain(row.identity_arguments),
    arguments: plain(row.arguments),
    result: row.result === null ? null : plain(row.result),
    language: row.language,
    // Line endings are not an edit (as for the phase checksums); anything else in a body is.
    body: row.body.replace(/\r\n/g, '\n'),
    volatility: VOLATILITY[row.volatility],
    strict: row.strict,
    securityDefiner: row.security_definer,
    leakproof: row.leakproof,
    parallel: PARALLEL[row.parallel],
    config: [...row.config],
    cost: row.cost,
    rows: row.returns_set ? row.rows : null,
  }
}

function sequenceOf(row: SequenceRow): SequenceSnapshot {
  const { owned_by_table: table, owned_by_column: column, ...settings } = row
  return { ...settings, ownedBy: table && column ? `${table}.${column}` : null }
}
