/**
 * "What the previous release still uses": the tables, columns and enum types of the deployed
 * VRSS API's data model. Dropping or renaming one of them breaks the running API from the
 * moment the phase commits until the new release is deployed everywhere.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { sqlDir } from '../../db/sql-files.js'

export interface ApiUses {
  tables: Record<string, readonly string[]>
  enums: readonly string[]
}

/** src/sql/migrations/api-uses.json, derived from contract/vrss-api.json (a test keeps it so). */
export function loadApiUses(): ApiUses {
  const text = readFileSync(join(sqlDir(), 'migrations', 'api-uses.json'), 'utf8')
  const parsed = JSON.parse(text) as ApiUses
  return { tables: parsed.tables, enums: parsed.enums }
}

export function usesTable(uses: ApiUses, table: string): boolean {
  return Object.hasOwn(uses.tables, table)
}

export function usesColumn(uses: ApiUses, table: string, column: string): boolean {
  return uses.tables[table]?.includes(column) ?? false
}
