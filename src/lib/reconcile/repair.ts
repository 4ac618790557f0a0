/**
 * The repair of the rows a range's detection found: their parents locked, recounted with the
 * triggers' own definitions and rewritten in short transactions, each retried when a lock wait
 * times out or deadlocks. A trigger updating a counter needs the same row lock, so no like can
 * land between our count and our write.
 */
import type { ReservedSql } from '../db/connect.js'
import { send } from '../db/sql-files.js'
import { isPostgresError } from '../errors.js'
import type { Counter, Pass, Rows } from './passes.js'

/** The most rows one repair transaction locks and rewrites (≈100 ms at MVP scale), so even a
 * range that drifted entirely (a bad restore) never holds locks long. */
export const MAX_ROWS_PER_TRANSACTION = 500

const MAX_ATTEMPTS = 5

export interface RepairOptions {
  only: Counter[]
  /** False on a dry run or check: nothing is locked or written. */
  write: boolean
  /** Default MAX_ROWS_PER_TRANSACTION. */
  maxRowsPerTransaction?: number
}

export interface RangeRepair {
  /** The rows rewritten (or, when not writing, the rows found drifted), per report key. */
  rows: Rows
  /** Repair transactions committed. */
  transactions: number
  retries: number
  /** How long the longest of them held its row locks. */
  longestMs: number
}

/**
 * Repairs the rows a range's detection found (when writing), in transactions of at most
 * MAX_ROWS_PER_TRANSACTION rows.
 */
export async function repairDetected(
  conn: ReservedSql,
  pass: Pass,
  detected: Rows,
  options: RepairOptions,
): Promise<RangeRepair> {
  const suspects = suspectIds(detected)
  const result = { rows: detected, transactions: 0, retries: 0, longestMs: 0 }
  if (!options.write || suspects.length === 0) return result
  const rows: Rows = {}
  const perTransaction = options.maxRowsPerTransaction ?? MAX_ROWS_PER_TRANSACTION
  for (let i = 0; i < suspects.length; i += perTransaction) {
    const chunk = suspects.slice(i, i + perTransaction)
    const repaired = await retrying(() => repairTransaction(conn, pass, chunk, options.only))
    result.transactions++
    result.retries += repaired.retries
    result.longestMs = Math.max(result.longestMs, repaired.value.lockedMs)
    for (const [key, list] of Object.entries(repaired.value.rows)) {
      rows[key] ??= []
      rows[key].push(...list)
    }
  }
  return { ...result, rows }
}

/** The ids found drifted by any counter of the pass, once each, in ascending order. */
export function suspectIds(detected: Rows): number[] {
  const ids = Object.values(detected)
    .flat()
    .map((row) => Number(row.id))
  return [...new Set(ids)].sort((a, b) => a - b)
}

/** Runs `attempt` again (up to MAX_ATTEMPTS times) when a lock wait times out or deadlocks. */
async function retrying<T>(attempt: () => Promise<T>): Promise<{ value: T; retries: number }> {
  for (let n = 1; ; n++) {
    try {
      return { value: await attempt(), retries: n - 1 }
    } catch (err) {
      const retryable = isPostgresError(err) && (err.code === '55P03' || err.code === '40P01')
      if (!retryable || n >= MAX_ATTEMPTS) throw err
      await new Promise((resolve) => setTimeout(resolve, 100 * n))
    }
  }
}

/**
 * BEGIN, lock the suspects, recount-and-write, COMMIT: sent together (pipelined, one round
 * trip) and run by the server in that order, so the recount's snapshot is taken after the locks
 * are held. When a step fails, the later ones fail with "transaction is aborted" and the COMMIT
 * rolls back; the first failure is the one reported.
 */
async function repairTransaction(
  conn: ReservedSql,
  pass: Pass,
  ids: number[],
  only: Counter[],
): Promise<{ rows: Rows; lockedMs: number }> {
  const steps = await Promise.allSettled([
    conn.unsafe('begin').execute(),
    send(conn, pass.lock, [ids], { prepare: true }),
    send<never>(conn, pass.repair, pass.repairParams(ids, only), { prepare: true }),
    // Measured by the server, from BEGIN: client and network delays do not count.
    send<{ ms: number }>(conn, 'reconcile/transaction-age'),
    conn.unsafe('commit').execute(),
  ])
  for (const step of steps) if (step.status === 'rejected') throw step.reason
  const [, , repaired, age] = steps as PromiseFulfilledResult<never[]>[]
  const [elapsed] = (age?.value ?? []) as { ms: number }[]
  return {
    rows: pass.repaired(repaired?.value ?? [], only),
    lockedMs: Math.round(Number(elapsed?.ms ?? 0)),
  }
}
