/**
 * Compares the database with the manifest of the applied phases: what is missing, disabled
 * (e.g. triggers switched off by a bulk load) or INVALID (a failed concurrent index build).
 */
import type { Sql } from '../db/connect.js'
import { query } from '../db/sql-files.js'
import { PHASES } from './manifest.js'

export interface SchemaProblems {
  missingTables: string[]
  missingIndexes: string[]
  missingTriggers: string[]
  /** Triggers present but not enabled (tgenabled = 'D'), as table.trigger. */
  disabledTriggers: string[]
  /** Triggers attached to another table or calling another function than the phase says. */
  alteredTriggers: string[]
  /** INVALID indexes that VRSS's phases create (a concurrent build that stopped half-way). */
  invalidIndexes: string[]
}

/** INVALID indexes in the schema that are not VRSS's: reported, never blamed or touched. */
export async function foreignInvalidIndexes(sql: Sql): Promise<string[]> {
  const rows = await query<ObjectRow>(sql, 'queries/status-objects')
  const own = new Set(PHASES.flatMap((p) => p.indexes))
  return rows.filter((r) => r.kind === 'index' && !r.valid && !own.has(r.name)).map((r) => r.name)
}

interface ObjectRow {
  kind: 'index' | 'trigger'
  name: string
  table: string
  valid: boolean
  function: string | null
  enabled: string | null
}

export async function checkSchema(sql: Sql, appliedVersions: number[]): Promise<SchemaProblems> {
  const phases = PHASES.filter((p) => appliedVersions.includes(p.version))
  const rows = await query<ObjectRow>(sql, 'queries/status-objects')
  const [tableRows] = await sql`
    select coalesce(array_agg(c.relname::text), '{}') as names
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = current_schema() and c.relkind in ('r', 'p')`
  const tables = new Set<string>(tableRows?.names ?? [])
  const indexes = new Map(rows.filter((r) => r.kind === 'index').map((r) => [r.name, r]))
  const triggers = new Map(
    rows.filter((r) => r.kind === 'trigger').map((r) => [`${r.table}.${r.name}`, r]),
  )
  const expectedTriggers = phases.flatMap((p) => p.triggers)
  return {
    missingTables: phases.flatMap((p) => p.tables).filter((t) => !tables.has(t)),
    missingIndexes: phases.flatMap((p) => p.indexes).filter((i) => !indexes.has(i)),
    missingTriggers: expectedTriggers
      .filter((t) => !triggers.has(`${t.table}.${t.name}`))
      .map((t) => `${t.table}.${t.name}`),
    disabledTriggers: expectedTriggers
      .filter((t) => triggers.get(`${t.table}.${t.name}`)?.enabled === 'D')
      .map((t) => `${t.table}.${t.name}`),
    alteredTriggers: expectedTriggers
      .filter((t) => {
        const found = triggers.get(`${t.table}.${t.name}`)
        return found !== undefined && found.function !== t.function
      })
      .map((t) => `${t.table}.${t.name}`),
    invalidIndexes: [...indexes.values()]
      .filter((r) => !r.valid && PHASES.some((p) => p.indexes.includes(r.name)))
      .map((r) => r.name),
  }
}
