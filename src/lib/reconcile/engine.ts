/**
 * The reconcile engine: walks users, posts and comments by id range (the passes of
 * reconcile-passes.ts) on two connections sharing one queue of ranges. Per range it first finds
 * the suspects with one read-only query (no locks), then, in one short transaction, locks just
 * those parent rows — a trigger updating a counter needs the same row lock, so no like can land
 * between our count and our write — recounts them with the triggers' own definitions (a new
 * statement, so a new snapshot taken after the locks are held) and writes only the rows that
 * still differ.
 */
import type { ReservedSql, Sql } from '../db/connect.js'
import { withReservedConnection } from '../db/sessions.js'
import { query, send } from '../db/sql-files.js'
import { isPostgresError } from '../errors.js'
import { COUNTERS, type Counter, type Example, PASSES, type Pass, type Rows } from './passes.js'

export { COUNTERS, type Counter, type Example }

export interface CounterReport {
  counter: Counter
  /** What is counted, e.g. "posts.likes_count". */
  target: string
  checked: number
  drifted: number
  totalDelta: number
  repaired: number
  examples: Example[]
}

export interface ReconcileOptions {
  only: Counter[]
  write: boolean
  batchSize: number
  lockTimeoutMs: number
  /** Default MAX_ROWS_PER_TRANSACTION. */
  maxRowsPerTransaction?: number
  onProgress?: (message: string) => void
}

export interface ReconcileStats {
  counters: CounterReport[]
  friendships: { missing: number; examples: { user_id_1: number; user_id_2: number }[] }
  /** Id ranges checked. */
  batches: number
  /** Repair transactions committed (none on a dry run). */
  transactions: number
  retries: number
  /** How long the longest repair transaction held its row locks. */
  maxBatchMs: number
}

type Job = (conn: ReservedSql) => Promise<void>

const EXAMPLES = 5
const MAX_ATTEMPTS = 5
/** Ranges in flight at once: one per core of a small database server. */
const WORKERS = 2
/** The most rows one repair transaction locks and rewrites (≈100 ms at MVP scale), so even a
 * range that drifted entirely (a bad restore) never holds locks long. */
export const MAX_ROWS_PER_TRANSACTION = 500

export async function reconcile(sql: Sql, options: ReconcileOptions): Promise<ReconcileStats> {
  const stats: ReconcileStats = {
    counters: [],
    friendships: { missing: 0, examples: [] },
    batches: 0,
    transactions: 0,
    retries: 0,
    maxBatchMs: 0,
  }
  // One queue of work for both connections: the friendship report, then every range of every pass.
  const jobs: Job[] = []
  if (options.only.includes('friendships')) jobs.push(friendshipJob(stats))
  for (const pass of PASSES) {
    const wanted = pass.reports.filter((r) => options.only.includes(r.counter))
    if (wanted.length === 0) continue
    const reports = wanted.map((r) => ({ key: r.key, report: emptyReport(r.counter, r.target) }))
    stats.counters.push(...reports.map((r) => r.report))
    const [span] =
      await sql`select coalesce(min(id), 0) as lo, coalesce(max(id), 0) as hi from ${sql(pass.table)}`
    const lo = Number(span?.lo ?? 0)
    const hi = Number(span?.hi ?? 0)
    for (let start = lo; start <= hi && hi > 0; start += options.batchSize) {
      const end = start + options.batchSize
      jobs.push(async (conn) => {
        options.onProgress?.(`${pass.table} from id ${start.toLocaleString('en-US')}`)
        const detected = await pass.detect(conn, start, end, options.only)
        const batch = await repairDetected(conn, pass, detected.rows, options)
        stats.batches++
        stats.transactions += batch.transactions
        stats.retries += batch.retries
        stats.maxBatchMs = Math.max(stats.maxBatchMs, batch.lockedMs)
        for (const { key, report } of reports) {
          accumulate(report, detected.checked, batch.rows[key] ?? [], options.write)
        }
      })
    }
  }
  const worker = () =>
    withReservedConnection(sql, async (conn) => {
      await useSessionSettings(conn, options.write ? options.lockTimeoutMs : undefined)
      try {
        for (let job = jobs.shift(); job; job = jobs.shift()) await job(conn)
      } finally {
        // The connection goes back to the pool: leave its session as we found it.
        await conn.unsafe('reset lock_timeout').catch(() => undefined)
        await conn.unsafe('reset synchronous_commit').catch(() => undefined)
        await conn.unsafe('reset max_parallel_workers_per_gather').catch(() => undefined)
      }
    })
  await Promise.all(Array.from({ length: WORKERS }, worker))
  stats.counters.sort((a, b) => COUNTERS.indexOf(a.counter) - COUNTERS.indexOf(b.counter))
  return stats
}

/**
 * lock_timeout (repairs only): a batch gives up a row lock held too long by the application and
 * is retried; a read-only run keeps the session's own lock_timeout.
 * synchronous_commit off: a repair is idempotent, so losing the last few ms of them to a crash
 * costs nothing (the next run redoes them) — no need to wait for the WAL flush of every batch.
 * max_parallel_workers_per_gather 0: the workers already keep the server's cores busy; parallel
 * query on top only adds coordination work (measured: the storage check costs 3× the CPU).
 */
async function useSessionSettings(conn: ReservedSql, lockTimeoutMs?: number): Promise<void> {
  const lockTimeout = lockTimeoutMs === undefined ? null : `${lockTimeoutMs}ms`
  await conn`select set_config('lock_timeout', coalesce(${lockTimeout}, current_setting('lock_timeout')), false),
                    set_config('synchronous_commit', 'off', false),
                    set_config('max_parallel_workers_per_gather', '0', false)`
}

function friendshipJob(stats: ReconcileStats): Job {
  return async (conn) => {
    const [row] = await query<{
      total: number
      examples: { user_id_1: number; user_id_2: number }[]
    }>(conn, 'reconcile/friendships-missing', [EXAMPLES])
    stats.friendships = { missing: Number(row?.total ?? 0), examples: row?.examples ?? [] }
  }
}

function emptyReport(counter: Counter, target: string): CounterReport {
  return { counter, target, checked: 0, drifted: 0, totalDelta: 0, repaired: 0, examples: [] }
}

function accumulate(report: CounterReport, checked: number, rows: Example[], write: boolean): void {
  report.checked += checked
  report.drifted += rows.length
  if (write) report.repaired += rows.length
  for (const row of rows) {
    report.totalDelta += Math.abs(Number(row.expected) - Number(row.stored))
    if (report.examples.length < EXAMPLES) {
      report.examples.push({
        id: Number(row.id),
        expected: Number(row.expected),
        stored: Number(row.stored),
      })
    }
  }
}

/**
 * Repairs the rows a range's detection found (when writing): their parents locked, recounted
 * and rewritten in transactions of at most MAX_ROWS_PER_TRANSACTION rows, each retried when a
 * lock wait times out or deadlocks. Returns the rows rewritten (or, on a dry run, found) and
 * how long the longest transaction held its locks.
 */
async function repairDetected(
  conn: ReservedSql,
  pass: Pass,
  detected: Rows,
  options: ReconcileOptions,
) {
  const suspects = [
    ...new Set(
      Object.values(detected)
        .flat()
        .map((row) => Number(row.id)),
    ),
  ].sort((a, b) => a - b)
  const result = { rows: detected, transactions: 0, retries: 0, lockedMs: 0 }
  if (!options.write || suspects.length === 0) return result
  const rows: Rows = {}
  const perTransaction = options.maxRowsPerTransaction ?? MAX_ROWS_PER_TRANSACTION
  for (let i = 0; i < suspects.length; i += perTransaction) {
    const chunk = suspects.slice(i, i + perTransaction)
    const batch = await retrying(() => repairBatch(conn, pass, chunk, options.only))
    result.transactions++
    result.retries += batch.retries
    result.lockedMs = Math.max(result.lockedMs, batch.value.lockedMs)
    for (const [key, list] of Object.entries(batch.value.rows)) {
      rows[key] ??= []
      rows[key].push(...list)
    }
  }
  return { ...result, rows }
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
async function repairBatch(
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
