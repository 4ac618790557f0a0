/**
 * The reconcile engine: walks users, posts and comments by id range (the passes of passes.ts)
 * on two connections sharing one queue of ranges (runQueue). Per range it first finds the
 * suspects with one read-only query (no locks), then repairs just those (repair.ts): their
 * parent rows locked in one short transaction, recounted with the triggers' own definitions (a
 * new statement, so a new snapshot taken after the locks are held) and only the rows that still
 * differ written. With `readFrom` (a replica that has caught up, see run.ts) the spans and the
 * detection are read there, and only the repairs — each recounted on the primary inside its own
 * transaction, so a stale replica can never cause a wrong write — run on the primary.
 */
import type { Report } from '../core.js'
import type { ReservedSql, Sql } from '../db/connect.js'
import { query } from '../db/sql-files.js'
import { isPostgresError } from '../errors.js'
import { runQueue } from '../queue.js'
import {
  COUNTERS,
  type Counter,
  type Example,
  hasCounterDeltas,
  type Pass,
  passesFor,
} from './passes.js'
import { repairDetected } from './repair.js'

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

/** Progress: a worker starts checking the range of `table` whose first id is `firstId`. */
export interface RangeStarted {
  type: 'range-started'
  table: Pass['table']
  firstId: number
}

export interface ReconcileOptions {
  only: Counter[]
  write: boolean
  /** How many ids one range spans: named after the flag it comes from, --batch-size. */
  batchSize: number
  lockTimeoutMs: number
  /** Default MAX_ROWS_PER_TRANSACTION (repair.ts). */
  maxRowsPerTransaction?: number
  report?: Report<RangeStarted>
  /** Where the spans and detection queries read: a caught-up replica; `sql` when undefined. */
  readFrom?: Sql
}

type FriendshipExample = { user_id_1: number; user_id_2: number }

/**
 * What a run found and did, under the keys of the JSON output, which stay as they were. Their
 * names predate the split of a range's work into detection and repair transactions:
 *   batches      = id ranges checked (one read-only detection query each)
 *   transactions = repair transactions committed (none on a dry run)
 *   maxBatchMs   = how long the longest repair transaction held its row locks
 */
export interface ReconcileStats {
  counters: CounterReport[]
  friendships: { missing: number; examples: FriendshipExample[] }
  batches: number
  transactions: number
  retries: number
  maxBatchMs: number
  /** Phase 8, repair mode: posts whose pending counter deltas were folded into the columns. */
  folded?: number
}

/** The work totals as the engine counts them (see ReconcileStats for their JSON names). */
interface Tally {
  ranges: number
  repairTransactions: number
  retries: number
  longestRepairMs: number
}

interface Findings {
  counters: CounterReport[]
  friendships: ReconcileStats['friendships']
}

/** A worker's connections: where it reads (detects) and where it repairs. */
interface WorkerConnections {
  read: ReservedSql
  write: ReservedSql
}

type Job = (conns: WorkerConnections) => Promise<void>

/** An id range [start, end): what one detection query checks. */
export interface IdRange {
  start: number
  end: number
}

const EXAMPLES = 5
/** Ranges in flight at once: one per core of a small database server. */
const WORKERS = 2

export async function reconcile(sql: Sql, options: ReconcileOptions): Promise<ReconcileStats> {
  const tally: Tally = { ranges: 0, repairTransactions: 0, retries: 0, longestRepairMs: 0 }
  const findings: Findings = { counters: [], friendships: { missing: 0, examples: [] } }
  // One queue of work for both connections: the friendship report, then every range of every pass.
  const jobs: Job[] = []
  if (options.only.includes('friendships')) jobs.push(friendshipJob(findings))
  const readSql = options.readFrom ?? sql
  const deltas = await hasCounterDeltas(readSql)
  for (const pass of passesFor(deltas)) {
    jobs.push(...(await rangeJobs(readSql, pass, options, findings, tally)))
  }
  await withWorkerConnections(sql, options.write ? options.lockTimeoutMs : undefined, (primary) =>
    withReadConnections(options.readFrom, primary, (reading) =>
      runQueue(jobs, WORKERS, (job, worker) =>
        job({
          read: reading[worker] as ReservedSql,
          write: primary[worker] as ReservedSql,
        }),
      ),
    ),
  )
  const folded = options.write && deltas ? await foldPendingDeltas(sql, options.lockTimeoutMs) : 0
  findings.counters.sort((a, b) => COUNTERS.indexOf(a.counter) - COUNTERS.indexOf(b.counter))
  return {
    ...findings,
    batches: tally.ranges,
    transactions: tally.repairTransactions,
    retries: tally.retries,
    maxBatchMs: tally.longestRepairMs,
    ...(deltas ? { folded } : {}),
  }
}

/** Fold rounds of FOLD_POSTS posts each, at most: a bounded job even while writers keep adding. */
const FOLD_ROUNDS = 100
const FOLD_POSTS = 500

/**
 * Repair mode, phase 8: folds the pending counter deltas into the posts columns, each round
 * its own short transaction under reconcile's lock_timeout; posts whose counter lock a writer
 * holds are left to that writer. Rounds go on while they fold something (a busy post among the
 * first of a round must not stop the others), at most FOLD_ROUNDS. A round that meets a post
 * row held by the application past lock_timeout (or a deadlock with it) is undone and ends the
 * fold: its deltas stay pending, still counted by vrss_post_counts. Returns how many posts were
 * folded.
 */
async function foldPendingDeltas(sql: Sql, lockTimeoutMs: number): Promise<number> {
  let total = 0
  for (let round = 0; round < FOLD_ROUNDS; round++) {
    let folded: number
    try {
      folded = await sql.begin(async (tx) => {
        await tx`select set_config('lock_timeout', ${`${lockTimeoutMs}ms`}, true)`
        const [row] = await query<{ folded: number }>(tx, 'reconcile/fold-deltas', [FOLD_POSTS])
        return Number(row?.folded ?? 0)
      })
    } catch (err) {
      if (isPostgresError(err) && (err.code === '55P03' || err.code === '40P01')) break
      throw err
    }
    total += folded
    if (folded === 0) break
  }
  return total
}

/** The ranges covering ids lo..hi, `idsPerRange` ids each; none for an empty table (hi 0). */
export function planRanges(lo: number, hi: number, idsPerRange: number): IdRange[] {
  const ranges: IdRange[] = []
  for (let start = lo; start <= hi && hi > 0; start += idsPerRange) {
    ranges.push({ start, end: start + idsPerRange })
  }
  return ranges
}

/** One job per range of the pass's table, checking (and repairing) the wanted counters there. */
async function rangeJobs(
  sql: Sql,
  pass: Pass,
  options: ReconcileOptions,
  findings: Findings,
  tally: Tally,
): Promise<Job[]> {
  const wanted = pass.reports.filter((r) => options.only.includes(r.counter))
  if (wanted.length === 0) return []
  const reports = wanted.map((r) => ({ key: r.key, report: emptyReport(r.counter, r.target) }))
  findings.counters.push(...reports.map((r) => r.report))
  const [span] = await query<{ lo: number; hi: number }>(sql, pass.span)
  const ranges = planRanges(Number(span?.lo ?? 0), Number(span?.hi ?? 0), options.batchSize)
  return ranges.map(({ start, end }) => async (conns) => {
    options.report?.({ type: 'range-started', table: pass.table, firstId: start })
    const detected = await detecting(() => pass.detect(conns.read, start, end, options.only))
    const repair = await repairDetected(conns.write, pass, detected.rows, options)
    tally.ranges++
    tally.repairTransactions += repair.transactions
    tally.retries += repair.retries
    tally.longestRepairMs = Math.max(tally.longestRepairMs, repair.longestMs)
    for (const { key, report } of reports) {
      accumulate(report, detected.checked, repair.rows[key] ?? [], options.write)
    }
  })
}

/**
 * `WORKERS` connections of the pool, each with reconcile's session settings for as long as `fn`
 * runs, and left as they were found when they go back to the pool.
 */
async function withWorkerConnections<T>(
  sql: Sql,
  lockTimeoutMs: number | undefined,
  fn: (conns: ReservedSql[]) => Promise<T>,
): Promise<T> {
  const conns: ReservedSql[] = []
  try {
    for (let i = 0; i < WORKERS; i++) {
      const conn = await sql.reserve()
      conns.push(conn)
      await useSessionSettings(conn, lockTimeoutMs)
    }
    return await fn(conns)
  } finally {
    for (const conn of conns) {
      await resetSessionSettings(conn)
      conn.release()
    }
  }
}

/** The workers' reading connections: on the replica when there is one, else the primary's. */
async function withReadConnections<T>(
  replica: Sql | undefined,
  primary: ReservedSql[],
  fn: (conns: ReservedSql[]) => Promise<T>,
): Promise<T> {
  return replica ? withWorkerConnections(replica, undefined, fn) : fn(primary)
}

const DETECT_ATTEMPTS = 3

/**
 * A standby cancels a query that conflicts with the replay of a change (e.g. vacuum removing
 * rows it still reads: SQLSTATE 40001, "conflict with recovery"); the range is read again, a
 * bounded number of times. A primary never raises it for these read-only queries.
 */
async function detecting<T>(detect: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await detect()
    } catch (err) {
      if (!isPostgresError(err) || err.code !== '40001' || n >= DETECT_ATTEMPTS) throw err
      await new Promise((resolve) => setTimeout(resolve, 100 * n))
    }
  }
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
  await query(conn, 'reconcile/worker-settings', [lockTimeout])
}

async function resetSessionSettings(conn: ReservedSql): Promise<void> {
  await conn.unsafe('reset lock_timeout').catch(() => undefined)
  await conn.unsafe('reset synchronous_commit').catch(() => undefined)
  await conn.unsafe('reset max_parallel_workers_per_gather').catch(() => undefined)
}

function friendshipJob(findings: Findings): Job {
  return async (conns) => {
    const [row] = await query<{ total: number; examples: FriendshipExample[] }>(
      conns.read,
      'reconcile/friendships-missing',
      [EXAMPLES],
    )
    findings.friendships = { missing: Number(row?.total ?? 0), examples: row?.examples ?? [] }
  }
}

function emptyReport(counter: Counter, target: string): CounterReport {
  return { counter, target, checked: 0, drifted: 0, totalDelta: 0, repaired: 0, examples: [] }
}

/** Adds one range's findings for a counter to its report. */
export function accumulate(
  report: CounterReport,
  checked: number,
  rows: Example[],
  write: boolean,
): void {
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
