/**
 * Catching the locks of a statement that runs outside a transaction: it releases them when it
 * ends, so they are read from a second connection, as often as the server answers, while it
 * runs. That connection also holds a snapshot open while the statement starts, so that a
 * concurrent index build, which waits for older snapshots before it finishes, waits for this
 * one — while holding its table lock — until a sample has seen it (then the snapshot goes).
 * A lock of another statement held for less than one round trip can still be missed; the
 * locks that matter to the application are held for a statement's whole run.
 */
import type { Sql } from '../db/connect.js'
import { query } from '../db/sql-files.js'

export interface HeldLock {
  oid: number
  mode: string
}

interface Sample extends HeldLock {
  granted: boolean
}

/** How long the snapshot may hold up a statement that waits for it (a safety bound). */
const SNAPSHOT_HOLD_MS = 2_000

/** Starts `work` and samples the locks of backend `pid` until it settles. */
export async function sampleLocksWhile<T>(
  sampler: Sql,
  pid: number,
  start: () => Promise<T>,
): Promise<{ value: T; seen: HeldLock[] }> {
  const conn = await sampler.reserve()
  await conn.unsafe('begin isolation level repeatable read')
  await conn.unsafe('select 1') // takes the snapshot
  let holding = true
  const since = performance.now()
  const release = async () => {
    if (!holding) return
    holding = false
    await conn.unsafe('commit')
  }
  let running = true
  const settled = start().finally(() => {
    running = false
  })
  const seen = new Map<string, HeldLock>()
  const sampling = (async () => {
    while (running) {
      const rows = await query<Sample>(conn, 'migrate-trace/sample-locks', [pid])
      for (const row of rows)
        if (row.granted) seen.set(`${row.oid}:${row.mode}`, { oid: row.oid, mode: row.mode })
      const waiting = rows.some((row) => !row.granted)
      if (waiting || performance.now() - since > SNAPSHOT_HOLD_MS) await release()
    }
    // A failed sample only loses samples: the statement's own outcome is what counts.
  })().catch(() => undefined)
  try {
    const value = await settled
    return { value, seen: [...seen.values()] }
  } finally {
    running = false
    await sampling
    await release().catch(() => undefined)
    conn.release()
  }
}
