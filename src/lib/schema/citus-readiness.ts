/**
 * The core of `status --citus-readiness`: reads the current schema's catalog (read-only) and
 * checks it against the Citus plan. Tables that are not VRSS's are ignored.
 */
import type { CoreContext } from '../core.js'
import { query } from '../db/sql-files.js'
import { CITUS_PLAN, type CitusPlan } from './citus.js'
import {
  type Catalog,
  type CatalogColumn,
  type CatalogForeignKey,
  type CatalogFunction,
  type CatalogKey,
  type CatalogTrigger,
  checkCitusReadiness,
  type ReadinessEffect,
  type ReadinessItem,
} from './citus-check.js'

export interface CitusReadiness {
  /** Where the plan is explained. */
  plan: 'docs/scaling.md'
  tablesChecked: number
  /** How many items of each effect (all four keys, zero included). */
  counts: Record<ReadinessEffect, number>
  items: ReadinessItem[]
}

export async function readCatalog(sql: CoreContext['sql']): Promise<Catalog> {
  // One after another: status runs on a small pool, and these are cheap catalog reads.
  const columns = await query<CatalogColumn>(sql, 'catalog/citus-columns')
  const keys = await query<CatalogKey>(sql, 'catalog/citus-keys')
  const foreignKeys = await query<CatalogForeignKey>(sql, 'catalog/citus-foreign-keys')
  const triggers = await query<CatalogTrigger>(sql, 'catalog/citus-triggers')
  const functions = await query<CatalogFunction>(sql, 'catalog/citus-functions')
  return { columns, keys, foreignKeys, triggers, functions }
}

export async function citusReadiness(
  ctx: Pick<CoreContext, 'sql'>,
  plan: CitusPlan = CITUS_PLAN,
): Promise<CitusReadiness> {
  const report = checkCitusReadiness(await readCatalog(ctx.sql), plan)
  const counts: Record<ReadinessEffect, number> = { blocks: 0, breaks: 0, rewrite: 0, setting: 0 }
  for (const item of report.items) counts[item.effect]++
  return {
    plan: 'docs/scaling.md',
    tablesChecked: report.tablesChecked,
    counts,
    items: report.items,
  }
}
