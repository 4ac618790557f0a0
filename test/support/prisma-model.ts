/**
 * Reads a Prisma schema (the VRSS API's data model) into the facts the compatibility contract
 * holds: enum types and labels; per table its columns (PostgreSQL type, nullability, default),
 * primary key and unique keys. Only what Prisma's schema language needs for that model is
 * understood; anything else is ignored.
 */

export interface ColumnFact {
  type: string
  nullable: boolean
  /** Normalised: "autoincrement", "now()", a literal ('text', 0, true) or absent. */
  default?: string
}

export interface TableFact {
  model: string
  columns: Record<string, ColumnFact>
  primaryKey: string[]
  unique: string[][]
}

export interface ModelFacts {
  enums: Record<string, string[]>
  tables: Record<string, TableFact>
}

const SCALARS: Record<string, string> = {
  BigInt: 'bigint',
  Int: 'integer',
  Boolean: 'boolean',
  String: 'text',
  DateTime: 'timestamp(3) without time zone',
  Json: 'jsonb',
  Float: 'double precision',
  Decimal: 'numeric(65,30)',
}

const NATIVE: Record<string, (arg: string | undefined) => string> = {
  VarChar: (n) => (n ? `character varying(${n})` : 'character varying'),
  Text: () => 'text',
  Uuid: () => 'uuid',
  JsonB: () => 'jsonb',
  Timestamptz: (p) =>
    p && p !== '6' ? `timestamp(${p}) with time zone` : 'timestamp with time zone',
}

export function readPrismaModel(schema: string): ModelFacts {
  const text = schema.replace(/\/\/[^\n]*/g, '')
  const enums: Record<string, string[]> = {}
  for (const [, name, body] of text.matchAll(/\benum\s+(\w+)\s*\{([\s\S]*?)\n\}/g)) {
    enums[name as string] = (body as string).split(/\s+/).filter((w) => /^\w+$/.test(w))
  }
  const tables: Record<string, TableFact> = {}
  for (const [, model, body] of text.matchAll(/\bmodel\s+(\w+)\s*\{([\s\S]*?)\n\}/g)) {
    const lines = (body as string)
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
    const table = /@@map\("([^"]+)"\)/.exec(body as string)?.[1] ?? (model as string)
    const fact: TableFact = { model: model as string, columns: {}, primaryKey: [], unique: [] }
    const fieldColumn = new Map<string, string>()
    for (const line of lines) {
      if (line.startsWith('@@')) continue
      const match = /^(\w+)\s+(\w+)(\[\])?(\?)?\s*(.*)$/.exec(line)
      if (!match) continue
      const [, field, baseType, list, optional, attributes = ''] = match as unknown as string[]
      const isScalar = (baseType as string) in SCALARS || (baseType as string) in enums
      // Relation fields (another model) have no column.
      if (!isScalar) continue
      const column = /@map\("([^"]+)"\)/.exec(attributes)?.[1] ?? (field as string)
      fieldColumn.set(field as string, column)
      const native = /@db\.(\w+)(?:\(([^)]*)\))?/.exec(attributes)
      let type =
        native && NATIVE[native[1] as string]
          ? (NATIVE[native[1] as string] as (a: string | undefined) => string)(native[2])
          : ((SCALARS[baseType as string] ?? baseType) as string)
      if (list) type = `${type}[]`
      const columnFact: ColumnFact = { type, nullable: Boolean(optional) }
      const dflt = defaultOf(attributes)
      if (dflt !== undefined) columnFact.default = dflt
      fact.columns[column] = columnFact
      if (/@id\b/.test(attributes)) fact.primaryKey = [column]
      if (/@unique\b/.test(attributes)) fact.unique.push([column])
    }
    for (const line of lines) {
      const unique = /^@@unique\(\[([^\]]+)\]/.exec(line)
      if (unique) {
        fact.unique.push(
          (unique[1] as string).split(',').map((f) => fieldColumn.get(f.trim()) ?? f.trim()),
        )
      }
      const id = /^@@id\(\[([^\]]+)\]/.exec(line)
      if (id) {
        fact.primaryKey = (id[1] as string)
          .split(',')
          .map((f) => fieldColumn.get(f.trim()) ?? f.trim())
      }
    }
    tables[table] = fact
  }
  return { enums, tables }
}

/** The @default(...) of a field, normalised as the database catalog will be. */
function defaultOf(attributes: string): string | undefined {
  const start = attributes.indexOf('@default(')
  if (start === -1) return undefined
  let depth = 0
  let i = start + '@default('.length
  let inString = false
  let value = ''
  for (; i < attributes.length; i++) {
    const ch = attributes[i] as string
    if (inString) {
      value += ch
      if (ch === '\\') {
        value += attributes[++i]
        continue
      }
      if (ch === '"') inString = false
      continue
    }
    if (ch === '"') inString = true
    if (ch === '(') depth++
    if (ch === ')') {
      if (depth === 0) break
      depth--
    }
    value += ch
  }
  if (value === 'autoincrement()') return 'autoincrement'
  if (value === 'now()') return 'now()'
  if (value === '[]') return "'{}'"
  if (value.startsWith('"')) return `'${JSON.parse(value)}'`
  if (/^(true|false|-?\d+(\.\d+)?)$/.test(value)) return value
  // An enum label.
  if (/^\w+$/.test(value)) return `'${value}'`
  return value
}
