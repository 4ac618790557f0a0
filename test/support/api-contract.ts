/**
 * Compares a database's catalog with the VRSS API contract (contract/vrss-api.json): every
 * enum and its labels, every table's columns (type, nullability, default), primary and unique
 * keys. Each difference is one line with a stable key, so that deliberate ones can be listed
 * in contract/deviations.json with the reason.
 */
import { readFileSync } from 'node:fs'
import type { Sql } from '../../src/lib/db/connect.js'
import type { ColumnFact, ModelFacts, TableFact } from './prisma-model.js'

export const CONTRACT_FILE = new URL('../../contract/vrss-api.json', import.meta.url)
export const DEVIATIONS_FILE = new URL('../../contract/deviations.json', import.meta.url)
export const API_SCHEMA_FILE = new URL('../fixtures/vrss-api/schema.prisma', import.meta.url)

export interface Contract extends ModelFacts {
  source: { repository: string; path: string; commit: string }
}

export interface Deviation {
  difference: string
  reason: string
}

export interface Difference {
  key: string
  expected: unknown
  actual: unknown
}

export function loadContract(): Contract {
  return JSON.parse(readFileSync(CONTRACT_FILE, 'utf8')) as Contract
}

export function loadDeviations(): Deviation[] {
  return (JSON.parse(readFileSync(DEVIATIONS_FILE, 'utf8')) as { deviations: Deviation[] })
    .deviations
}

/** What vrss-db adds on top of the model (not compared), each with its reason. */
export function loadStronger(): { object: string; reason: string }[] {
  return (
    JSON.parse(readFileSync(DEVIATIONS_FILE, 'utf8')) as {
      stronger: { object: string; reason: string }[]
    }
  ).stronger
}

interface CatalogColumn {
  table: string
  column: string
  type: string
  not_null: boolean
  default: string | null
  identity: string
}

/** The database as the contract describes it (current schema only). */
export async function readCatalog(sql: Sql): Promise<ModelFacts> {
  const enumRows = await sql<{ name: string; labels: string[] }[]>`
    select t.typname as name, array_agg(e.enumlabel order by e.enumsortorder) as labels
    from pg_type t join pg_enum e on e.enumtypid = t.oid
    join pg_namespace n on n.oid = t.typnamespace
    where n.nspname = current_schema()
    group by t.typname`
  const columns = await sql<CatalogColumn[]>`
    select c.relname as table, a.attname as column, format_type(a.atttypid, a.atttypmod) as type,
           a.attnotnull as not_null, pg_get_expr(d.adbin, d.adrelid) as default,
           a.attidentity as identity
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid and c.relkind = 'r'
    join pg_namespace n on n.oid = c.relnamespace
    left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where n.nspname = current_schema() and a.attnum > 0 and not a.attisdropped
    order by c.relname, a.attnum`
  const keys = await sql<{ table: string; primary: boolean; columns: string[] }[]>`
    select c.relname as table, i.indisprimary as primary,
           array_agg(a.attname order by k.ord) as columns
    from pg_index i
    join pg_class c on c.oid = i.indrelid
    join pg_namespace n on n.oid = c.relnamespace
    cross join lateral unnest(i.indkey) with ordinality as k(attnum, ord)
    join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
    where n.nspname = current_schema() and i.indisunique and i.indpred is null
      and i.indexprs is null and i.indisvalid
    group by c.relname, i.indexrelid, i.indisprimary`
  const facts: ModelFacts = { enums: {}, tables: {} }
  for (const row of enumRows) facts.enums[row.name] = row.labels
  for (const row of columns) {
    facts.tables[row.table] ??= { model: row.table, columns: {}, primaryKey: [], unique: [] }
    const table = facts.tables[row.table] as TableFact
    const column: ColumnFact = { type: row.type.replace(/"/g, ''), nullable: !row.not_null }
    const dflt = normaliseDefault(row.default, row.identity)
    if (dflt !== undefined) column.default = dflt
    table.columns[row.column] = column
  }
  for (const key of keys) {
    const table = facts.tables[key.table]
    if (!table) continue
    if (key.primary) table.primaryKey = key.columns
    else table.unique.push(key.columns)
  }
  return facts
}

/** A catalog default in the contract's form: casts dropped, identity = autoincrement. */
export function normaliseDefault(expr: string | null, identity = ''): string | undefined {
  if (identity === 'a' || identity === 'd') return 'autoincrement'
  if (expr === null) return undefined
  if (/^nextval\(/.test(expr)) return 'autoincrement'
  if (/^(now\(\)|CURRENT_TIMESTAMP)$/i.test(expr)) return 'now()'
  if (/^ARRAY\[\]::/.test(expr)) return "'{}'"
  return expr.replace(/(::[\w" ]+(\[\])?(\([\d,]+\))?)+$/, '')
}

const sameColumns = (a: string[], b: string[]) =>
  a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',')

/** Every way the database differs from the contract. */
export function compareWithContract(contract: ModelFacts, db: ModelFacts): Difference[] {
  const out: Difference[] = []
  for (const [name, labels] of Object.entries(contract.enums)) {
    const actual = db.enums[name]
    if (!actual) out.push({ key: `enum ${name}: missing`, expected: labels, actual: null })
    else if (actual.join(',') !== labels.join(','))
      out.push({ key: `enum ${name}: labels`, expected: labels, actual })
  }
  for (const [tableName, table] of Object.entries(contract.tables)) {
    const actual = db.tables[tableName]
    if (!actual) {
      out.push({ key: `table ${tableName}: missing`, expected: table.model, actual: null })
      continue
    }
    for (const [columnName, column] of Object.entries(table.columns)) {
      const where = `column ${tableName}.${columnName}`
      const got = actual.columns[columnName]
      if (!got) {
        out.push({ key: `${where}: missing`, expected: column, actual: null })
        continue
      }
      if (got.type !== column.type)
        out.push({ key: `${where}: type`, expected: column.type, actual: got.type })
      if (got.nullable !== column.nullable)
        out.push({ key: `${where}: nullable`, expected: column.nullable, actual: got.nullable })
      if (got.default !== column.default)
        out.push({ key: `${where}: default`, expected: column.default, actual: got.default })
    }
    // A column the API does not know is harmless unless an insert without it must fail.
    for (const [columnName, got] of Object.entries(actual.columns)) {
      if (!table.columns[columnName] && !got.nullable && got.default === undefined)
        out.push({
          key: `column ${tableName}.${columnName}: required but unknown to the API`,
          expected: null,
          actual: got,
        })
    }
    if (!sameColumns(actual.primaryKey, table.primaryKey))
      out.push({
        key: `table ${tableName}: primary key`,
        expected: table.primaryKey,
        actual: actual.primaryKey,
      })
    for (const unique of table.unique) {
      if (
        !actual.unique.some((u) => sameColumns(u, unique)) &&
        !sameColumns(actual.primaryKey, unique)
      )
        out.push({
          key: `table ${tableName}: unique (${unique.join(', ')}) missing`,
          expected: unique,
          actual: actual.unique,
        })
    }
  }
  return out
}
