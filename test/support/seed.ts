/** Helpers of the seed tests: the drift summary of a seed that kept every guarantee, and a dump. */
import type { Sql } from '../../src/lib/db/connect.js'
import { DERIVED_TABLES, VRSS_TABLES } from '../../src/lib/schema/manifest.js'

/** What `seed` reports when every counter, storage total and friendship is exact. */
export const NO_DRIFT = {
  likes_count: 0,
  comments_count: 0,
  reposts_count: 0,
  replies_count: 0,
  storage_usage: 0,
  missing_storage_rows: 0,
  missing_friendships: 0,
}

/** Every VRSS table as text, in a fixed order: equal dumps mean identical data. */
export async function dumpVrssTables(sql: Sql): Promise<string> {
  let text = ''
  for (const table of [...VRSS_TABLES, 'subscription_tiers']) {
    // The derived timeline tables have no id; their rows sort as text.
    const rows = await sql.unsafe(
      `select t::text as row from ${table} t order by ${DERIVED_TABLES.includes(table) ? 't::text' : 'id'}`,
    )
    text += `${table}\n${rows.map((r) => r.row).join('\n')}\n`
  }
  return text
}
