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
 * A timestamp as the ISO text COPY reads (what Date#toISOString gives). Millions of rows call
 * this, so the date part is formatted once per day and the time of day by hand: no Date object
 * and no cache of whole timestamps per row.
 */
const dayCache = new Map<number, string>()
const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n))
export function ts(ms: number): string {
  const day = Math.floor(ms / DAY)
  let date = dayCache.get(day)
  if (date === undefined) {
    if (dayCache.size > 100_000) dayCache.clear()
    date = new Date(day * DAY).toISOString().slice(0, 11)
    dayCache.set(day, date)
  }
  let rest = ms - day * DAY
  const h = Math.floor(rest / 3_600_000)
  rest -= h * 3_600_000
  const m = Math.floor(rest / 60_000)
  rest -= m * 60_000
  const sec = Math.floor(rest / 1000)
  const milli = rest - sec * 1000
  const mmm = milli < 10 ? `00${milli}` : milli < 100 ? `0${milli}` : String(milli)
  return `${date}${pad2(h)}:${pad2(m)}:${pad2(sec)}.${mmm}Z`
}
