/**
 * bench's write profile: what a copy's transactions cost beyond their count — WAL bytes per
 * committed transaction and how many of the posts copy's updates were HOT (wrote no index
 * entry). It shows why a ratio to the floor is what it is.
 */
import type { Sql } from '../db/connect.js'
import { query } from '../db/sql-files.js'

/** Where a copy's write cost goes: WAL per committed transaction and the posts updates' HOT share. */
export interface WriteProfile {
  /** WAL bytes written per committed transaction (the whole server's WAL over the slices). */
  walBytesPerTx: number
  /** Rows of the copy's posts table updated. */
  postsUpdates: number
  /** Of those, HOT updates (no index entry written): 0..1; null when no update. */
  hotShare: number | null
}

/** Totals of one copy's slices, turned into its profile. */
export function profileOf(totals: Totals, transactions: number): WriteProfile {
  return {
    walBytesPerTx: transactions > 0 ? Math.round(totals.walBytes / transactions) : 0,
    postsUpdates: totals.updates,
    hotShare:
      totals.updates > 0 ? Math.round((totals.hotUpdates / totals.updates) * 100) / 100 : null,
  }
}

export type Totals = { walBytes: number; updates: number; hotUpdates: number }

export interface ProfilePoint {
  lsn: string
  updates: number
  hotUpdates: number
}

export async function profilePoint(sql: Sql, schema: string): Promise<ProfilePoint> {
  const [row] = await query<{ lsn: string; updates: string; hot_updates: string }>(
    sql,
    'bench/profile',
    [schema],
  )
  return {
    lsn: row?.lsn ?? '0/0',
    updates: Number(row?.updates ?? 0),
    hotUpdates: Number(row?.hot_updates ?? 0),
  }
}

/** Adds what happened between two profile points to a copy's totals. */
export async function addProfile(
  sql: Sql,
  totals: Totals,
  before: ProfilePoint,
  after: ProfilePoint,
) {
  const [diff] = await query<{ bytes: string }>(sql, 'bench/wal-diff', [after.lsn, before.lsn])
  totals.walBytes += Number(diff?.bytes ?? 0)
  totals.updates += after.updates - before.updates
  totals.hotUpdates += after.hotUpdates - before.hotUpdates
}
