/**
 * The reconcile engine: walks posts, comments and users by id range. Per range it first finds
 * the suspects with read-only queries (no locks), then, in one short transaction, locks just
 * those parent rows — a trigger updating a counter needs the same row lock, so no like can land
 * between our count and our write — recounts them with the triggers' own definitions (a fresh
 * snapshot, after the lock) and writes only the rows that still differ. Ranges run on two
 * connections.
 */
import type { Sql } from './connect.js'
import { isPostgresError } from './errors.js'
import { query } from './sql-files.js'

export const COUNTERS = [
  'likes',
  'comments',
  'reposts',
  'replies',
  'storage',
  'friendships',
] as const
export type Counter = (typeof COUNTERS)[number]

export interface Example {
  id: number
  expected: number
  stored: number
}

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
  onProgress?: (message: string) => void
}

export interface ReconcileStats {
  counters: CounterReport[]
  friendships: { missing: number; examples: { user_id_1: number; user_id_2: number }[] }
  batches: number
  retries: number
  maxBatchMs: number
}

type Rows = Record<string, Example[]>
type Detect = (
  sql: Sql,
  start: number,
  end: number,
  write: boolean,
  ids: number[] | null,
  only: Counter[],
) => Promise<Rows>

interface Report {
  key: string
  counter: Counter
  target: string
}

interface Pass {
  table: 'posts' | 'comments' | 'users'
  lock: string
  reports: Report[]
  detect: Detect
}

interface PostCounterRow {
  id: number
  e_likes: number
  likes_count: number
  e_comments: number
  comments_count: number
  e_reposts: number
  reposts_count: number
}

const detectPosts: Detect = async (sql, start, end, write, ids, only) => {
  const flags = (['likes', 'comments', 'reposts'] as const).map((c) => only.includes(c))
  const rows = await query<PostCounterRow>(sql, 'reconcile/posts-counters', [
    start,
    end,
    write,
    ids,
    ...flags,
  ])
  const pick = (expected: keyof PostCounterRow, stored: keyof PostCounterRow) =>
    rows
      .filter((r) => r[expected] !== r[stored])
      .map((r) => ({ id: r.id, expected: r[expected], stored: r[stored] }))
  return {
    likes: flags[0] ? pick('e_likes', 'likes_count') : [],
    comments: flags[1] ? pick('e_comments', 'comments_count') : [],
    reposts: flags[2] ? pick('e_reposts', 'reposts_count') : [],
  }
}

const PASSES: Pass[] = [
  {
    table: 'posts',
    lock: 'reconcile/lock-posts',
    reports: [
      { key: 'likes', counter: 'likes', target: 'posts.likes_count' },
      { key: 'comments', counter: 'comments', target: 'posts.comments_count' },
      { key: 'reposts', counter: 'reposts', target: 'posts.reposts_count' },
    ],
    detect: detectPosts,
  },
  {
    table: 'comments',
    lock: 'reconcile/lock-comments',
    reports: [{ key: 'replies', counter: 'replies', target: 'comments.replies_count' }],
    detect: async (sql, start, end, write, ids) => ({
      replies: await query<Example>(sql, 'reconcile/comments-replies', [start, end, write, ids]),
    }),
  },
  {
    table: 'users',
    lock: 'reconcile/lock-storage',
    reports: [
      { key: 'storage-missing', counter: 'storage', target: 'storage_usage (missing rows)' },
      { key: 'storage', counter: 'storage', target: 'storage_usage.used_bytes and breakdown' },
    ],
    detect: async (sql, start, end, write, ids) => ({
      'storage-missing': await query<Example>(sql, 'reconcile/storage-missing', [
        start,
        end,
        write,
        ids,
      ]),
      storage: await query<Example>(sql, 'reconcile/storage', [start, end, write, ids]),
    }),
  },
]

const EXAMPLES = 5
const MAX_ATTEMPTS = 5
/** Ranges in flight at once: one per core of a small database server. */
const WORKERS = 2

export async function reconcile(sql: Sql, options: ReconcileOptions): Promise<ReconcileStats> {
  const stats: ReconcileStats = {
    counters: [],
    friendships: { missing: 0, examples: [] },
    batches: 0,
    retries: 0,
    maxBatchMs: 0,
  }
  const reports = new Map<string, CounterReport>()
  // One queue of work for both connections: every range of every pass, and the friendship report.
  const jobs: (() => Promise<void>)[] = []
  for (const pass of PASSES) {
    const wanted = pass.reports.filter((r) => options.only.includes(r.counter))
    if (wanted.length === 0) continue
    for (const r of wanted) {
      const report: CounterReport = {
        counter: r.counter,
        target: r.target,
        checked: 0,
        drifted: 0,
        totalDelta: 0,
        repaired: 0,
        examples: [],
      }
      reports.set(r.key, report)
      stats.counters.push(report)
    }
    const [span] =
      await sql`select coalesce(min(id), 0) as lo, coalesce(max(id), 0) as hi from ${sql(pass.table)}`
    const lo = Number(span?.lo ?? 0)
    const hi = Number(span?.hi ?? 0)
    for (let start = lo; start <= hi && hi > 0; start += options.batchSize) {
      const end = start + options.batchSize
      jobs.push(async () => {
        options.onProgress?.(`${pass.table} from id ${start.toLocaleString('en-US')}`)
        const batch = await runBatch(sql, pass, start, end, options)
        stats.batches++
        stats.retries += batch.retries
        stats.maxBatchMs = Math.max(stats.maxBatchMs, batch.lockedMs)
        for (const r of wanted)
          accumulate(
            reports.get(r.key) as CounterReport,
            batch.checked,
            batch.rows[r.key] ?? [],
            options.write,
          )
      })
    }
  }
  if (options.only.includes('friendships')) {
    jobs.unshift(async () => {
      const [row] = await query<{
        total: number
        examples: { user_id_1: number; user_id_2: number }[]
      }>(sql, 'reconcile/friendships-missing', [EXAMPLES])
      stats.friendships = { missing: Number(row?.total ?? 0), examples: row?.examples ?? [] }
    })
  }
  const worker = async () => {
    for (let job = jobs.shift(); job; job = jobs.shift()) await job()
  }
  await Promise.all(Array.from({ length: WORKERS }, worker))
  return stats
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
 * One range: read-only detection, then (when writing and anything looked drifted) lock the
 * suspects, recount and write in one short transaction, retried when a lock wait times out or
 * deadlocks. `lockedMs` is how long that transaction held row locks.
 */
async function runBatch(
  sql: Sql,
  pass: Pass,
  start: number,
  end: number,
  options: ReconcileOptions,
) {
  const [count] =
    await sql`select count(*) as checked from ${sql(pass.table)} where id >= ${start} and id < ${end}`
  const detected = await pass.detect(sql, start, end, false, null, options.only)
  const suspects = [
    ...new Set(
      Object.values(detected)
        .flat()
        .map((row) => Number(row.id)),
    ),
  ]
  const base = { checked: Number(count?.checked ?? 0), retries: 0, lockedMs: 0 }
  if (!options.write || suspects.length === 0) return { ...base, rows: detected }
  for (let attempt = 1; ; attempt++) {
    const started = performance.now()
    try {
      const rows = await sql.begin(async (tx) => {
        await tx`select set_config('lock_timeout', ${`${options.lockTimeoutMs}ms`}, true)`
        // A repair is idempotent: losing the last few ms of them to a crash costs nothing (the
        // next run redoes them), so do not wait for the WAL flush of every batch.
        await tx`select set_config('synchronous_commit', 'off', true)`
        await query(tx, pass.lock, [suspects])
        return pass.detect(tx as unknown as Sql, start, end, true, suspects, options.only)
      })
      return {
        ...base,
        rows,
        retries: attempt - 1,
        lockedMs: Math.round(performance.now() - started),
      }
    } catch (err) {
      const retryable = isPostgresError(err) && (err.code === '55P03' || err.code === '40P01')
      if (!retryable || attempt >= MAX_ATTEMPTS) throw err
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt))
    }
  }
}
