/**
 * Catching the locks of a statement that runs outside a transaction: it releases them when it
 * ends, so they are read from a second connection, as often as the server answers, while it
 * runs. A lock held for less than one round trip can be missed; every lock that matters to the
 * application is held for the statement's whole run (an index build, a scan, a rewrite).
 */
import type { Sql } from '../db/connect.js'
import { query } from '../db/sql-files.js'

export interface HeldLock {
  oid: number
  mode: string
}

/** Runs `work` while sampling the locks of backend `pid`; returns its result and what was seen. */
export async function sampleLocksWhile<T>(
  sampler: Sql,
  pid: number,
  work: Promise<T>,
): Promise<{ value: T; seen: HeldLock[] }> {
  let running = true
  const settled = work.then(
    (value) => {
      running = false
      return value
    },
    (err: unknown) => {
      running = false
      throw err
    },
  )
  const seen = new Map<string, HeldLock>()
  const sampling = (async () => {
    while (running) {
      const rows = await query<HeldLock>(sampler, 'migrate-trace/sample-locks', [pid])
      for (const row of rows) seen.set(`${row.oid}:${row.mode}`, row)
    }
    // A failed sample only loses samples: the statement's own outcome is what counts.
  })().catch(() => undefined)
  try {
    const value = await settled
    return { value, seen: [...seen.values()] }
  } finally {
    running = false
    await sampling
  }
}
