/**
 * What reconcile checks, table by table: each pass walks one table by id range with a read-only
 * detection query, and repairs the suspects it found with a lock query and a recount-and-write
 * query keyed by their ids (src/sql/reconcile/*.sql). Detection and repair use the same
 * definitions as the triggers.
 */
import type { ReservedSql, Sql } from '../db/connect.js'
import { type Param, query } from '../db/sql-files.js'

export const COUNTERS = [
  'likes',
  'comments',
  'reposts',
  'replies',
  'storage',
  'friendships',
  'timelines',
] as const
export type Counter = (typeof COUNTERS)[number]

export interface Example {
  id: number
  expected: number
  stored: number
}

/** Drifted rows per report key. */
export type Rows = Record<string, Example[]>

/** One counter a pass reports on, under its key in Rows. */
export interface PassCounter {
  key: string
  counter: Counter
  /** What is counted, e.g. "posts.likes_count". */
  target: string
}

export interface Detected {
  checked: number
  rows: Rows
}

export interface Pass {
  table: 'posts' | 'comments' | 'users'
  /** Query file giving the first and last id of the table (lo, hi): the span its ranges cover. */
  span: string
  reports: PassCounter[]
  /** Read-only: how many rows of the range were checked, and the drifted ones. */
  detect: (conn: ReservedSql, start: number, end: number, only: Counter[]) => Promise<Detected>
  /** Query file locking the parent rows of the suspects ($1: ids) until the batch commits. */
  lock: string
  /** Query file recounting the locked suspects and writing those that still differ. */
  repair: string
  repairParams: (ids: number[], only: Counter[]) => Param[]
  /**
   * The repair query's rows (the ones it rewrote) as drifted rows per report key. Each pass
   * declares the row shape of its own query; `never[]` lets every such declaration fit here.
   */
  repaired: (rows: never[], only: Counter[]) => Rows
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

interface DetectRow {
  checked: number
  drifted: Example[]
  missing?: Example[]
}

const POST_COUNTERS = ['likes', 'comments', 'reposts'] as const

function postFlags(only: Counter[]): boolean[] {
  return POST_COUNTERS.map((c) => only.includes(c))
}

/** Splits rows holding all three post counters into one list of drifted rows per counter. */
function splitPostRows(rows: PostCounterRow[], only: Counter[]): Rows {
  const flags = postFlags(only)
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

async function detectRow(conn: ReservedSql, name: string, params: Param[]): Promise<DetectRow> {
  // Run once per range on the same connection: prepared, so parsed and planned once.
  const [row] = await query<DetectRow>(conn, name, params, { prepare: true })
  return row ?? { checked: 0, drifted: [] }
}

// Queued in this order, longest jobs first (after the one-statement friendship report), so
// neither connection is left finishing a long job alone at the end.
export const PASSES: Pass[] = [
  {
    table: 'users',
    span: 'reconcile/span-users',
    reports: [
      { key: 'storage-missing', counter: 'storage', target: 'storage_usage (missing rows)' },
      { key: 'storage', counter: 'storage', target: 'storage_usage.used_bytes and breakdown' },
    ],
    detect: async (conn, start, end) => {
      const row = await detectRow(conn, 'reconcile/storage-detect', [start, end])
      return {
        checked: Number(row.checked),
        rows: { 'storage-missing': row.missing ?? [], storage: row.drifted },
      }
    },
    lock: 'reconcile/lock-storage',
    repair: 'reconcile/storage-repair',
    repairParams: (ids) => [ids],
    repaired: (rows: (Example & { missing: boolean })[]) => ({
      'storage-missing': rows.filter((r) => r.missing),
      storage: rows.filter((r) => !r.missing),
    }),
  },
  postsPass('reconcile/posts-detect', 'reconcile/posts-repair'),
  {
    table: 'comments',
    span: 'reconcile/span-comments',
    reports: [{ key: 'replies', counter: 'replies', target: 'comments.replies_count' }],
    detect: async (conn, start, end) => {
      const row = await detectRow(conn, 'reconcile/replies-detect', [start, end])
      return { checked: Number(row.checked), rows: { replies: row.drifted } }
    },
    lock: 'reconcile/lock-comments',
    repair: 'reconcile/replies-repair',
    repairParams: (ids) => [ids],
    repaired: (rows: Example[]) => ({ replies: rows }),
  },
]

/**
 * The posts pass. From phase 8 on (post_counter_deltas exists) a post's stored counter is its
 * column plus its pending deltas: a pending delta is not drift, a lost one is.
 */
function postsPass(detectFile: string, repairFile: string): Pass {
  return {
    table: 'posts',
    span: 'reconcile/span-posts',
    reports: [
      { key: 'likes', counter: 'likes', target: 'posts.likes_count' },
      { key: 'comments', counter: 'comments', target: 'posts.comments_count' },
      { key: 'reposts', counter: 'reposts', target: 'posts.reposts_count' },
    ],
    detect: async (conn, start, end, only) => {
      const row = await detectRow(conn, detectFile, [start, end, ...postFlags(only)])
      const drifted = row.drifted as unknown as PostCounterRow[]
      return { checked: Number(row.checked), rows: splitPostRows(drifted, only) }
    },
    lock: 'reconcile/lock-posts',
    repair: repairFile,
    repairParams: (ids, only) => [ids, ...postFlags(only)],
    repaired: (rows: PostCounterRow[], only) => splitPostRows(rows, only),
  }
}

/** The passes for a database with (phase 8) or without post_counter_deltas. */
export function passesFor(deltas: boolean): Pass[] {
  if (!deltas) return PASSES
  const posts = postsPass('reconcile/posts-detect-deltas', 'reconcile/posts-repair-deltas')
  return PASSES.map((pass) => (pass.table === 'posts' ? posts : pass))
}

/** Whether the counters phase (008) is applied on this connection's search_path. */
export async function hasCounterDeltas(sql: Sql | ReservedSql): Promise<boolean> {
  const [row] = await query<{ deltas: boolean }>(sql, 'reconcile/has-deltas')
  return Boolean(row?.deltas)
}
