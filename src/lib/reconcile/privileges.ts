/**
 * Reconcile's privilege errors: checked before any work for a repair, and mapped from a raw
 * "permission denied" (SQLSTATE 42501) otherwise, so that each says what role would work.
 */
import type { Sql } from '../db/connect.js'
import { query } from '../db/sql-files.js'
import { VrssError } from '../errors.js'
import type { Counter } from './passes.js'

/** What each counter's repair writes: the row locks (FOR UPDATE) and writes need UPDATE. */
const REPAIR_PRIVILEGES: Record<Counter, { table: string; privilege: string }[]> = {
  likes: [{ table: 'posts', privilege: 'UPDATE' }],
  comments: [{ table: 'posts', privilege: 'UPDATE' }],
  reposts: [{ table: 'posts', privilege: 'UPDATE' }],
  replies: [{ table: 'comments', privilege: 'UPDATE' }],
  storage: [
    { table: 'storage_usage', privilege: 'UPDATE' },
    { table: 'storage_usage', privilege: 'INSERT' },
  ],
  friendships: [],
  timelines: [
    { table: 'feed_timeline_readers', privilege: 'INSERT' },
    { table: 'feed_timeline_readers', privilege: 'UPDATE' },
    { table: 'feed_timeline_readers', privilege: 'DELETE' },
    { table: 'feed_timeline_sources', privilege: 'INSERT' },
    { table: 'feed_timeline_sources', privilege: 'DELETE' },
    { table: 'feed_timeline_entries', privilege: 'INSERT' },
    { table: 'feed_timeline_entries', privilege: 'UPDATE' },
    { table: 'feed_timeline_entries', privilege: 'DELETE' },
  ],
}

/**
 * Before any work: a role that can read but not write (a reporting role) would otherwise find
 * the drift and then fail on its first repair with a raw "permission denied".
 */
export async function assertCanRepair(sql: Sql, only: Counter[]): Promise<void> {
  const needed = only.flatMap((counter) => REPAIR_PRIVILEGES[counter])
  const missing = await query<{ table: string; privilege: string }>(
    sql,
    'reconcile/missing-privileges',
    [needed.map((n) => n.table), needed.map((n) => n.privilege)],
  )
  if (missing.length === 0) return
  const [role] = await sql`select current_user as name`
  const list = missing.map((m) => `${m.privilege} on ${m.table}`)
  throw cannotRepair(`the role ${role?.name} lacks ${[...new Set(list)].join(', ')}`)
}

export function cannotCheck(why: string): VrssError {
  return new VrssError(`Cannot check the counters: ${why}`, {
    hint: 'Checking reads the VRSS tables: run reconcile as a role with SELECT on them.',
    code: 'INSUFFICIENT_PRIVILEGE',
  })
}

export function cannotRepair(why: string): VrssError {
  return new VrssError(`Cannot repair the counters: ${why}`, {
    hint: 'Run reconcile as a role with these privileges, or use --dry-run (or --check) to report the drift without repairing it.',
    code: 'INSUFFICIENT_PRIVILEGE',
  })
}
