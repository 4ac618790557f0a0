/**
 * The in-memory dataset a seed run writes: rows per table in column order, ids assigned here so
 * that every relation (and every counter) is known before anything is loaded.
 */

/** A PostgreSQL array (bigint[]), as opposed to a JSON array for a jsonb column. */
export class PgArray {
  constructor(readonly values: readonly number[]) {}
}

/** A value for a jsonb column that is not an object (e.g. the string "text_long"). */
export class Json {
  constructor(readonly value: unknown) {}
}

export type Value = string | number | boolean | null | Date | PgArray | Json | object

export interface TableRows {
  table: string
  columns: readonly string[]
  rows: Value[][]
}

export class Dataset {
  private readonly tables = new Map<string, TableRows>()

  table(table: string, columns: readonly string[]): TableRows {
    let entry = this.tables.get(table)
    if (!entry) {
      entry = { table, columns, rows: [] }
      this.tables.set(table, entry)
    }
    return entry
  }

  /** Tables in insertion order, which is foreign-key order. */
  all(): TableRows[] {
    return [...this.tables.values()]
  }
}

type SeededTable =
  | 'users'
  | 'user_profiles'
  | 'storage_usage'
  | 'posts'
  | 'post_media'
  | 'user_follows'
  | 'friendships'
  | 'post_interactions'
  | 'comments'
  | 'reposts'
  | 'profile_sections'
  | 'section_content'
  | 'custom_feeds'
  | 'feed_filters'
  | 'user_lists'
  | 'list_members'
  | 'conversations'
  | 'messages'
  | 'notifications'
  | 'user_subscriptions'
  | 'sessions'
  | 'verification_tokens'

/** First ids to use per table (max(id) + 1 when appending). */
export type IdStart = Record<SeededTable, number>

export const DAY = 86_400_000

/**
 * A timestamp as the ISO text COPY reads. Seeded timestamps repeat a lot (whole hours and
 * days), so each is formatted once and shared: no Date object per row, far less garbage.
 */
const isoCache = new Map<number, string>()
export function ts(ms: number): string {
  let text = isoCache.get(ms)
  if (text === undefined) {
    if (isoCache.size > 1_000_000) isoCache.clear()
    text = new Date(ms).toISOString()
    isoCache.set(ms, text)
  }
  return text
}
