/**
 * A streamed seed: every table made as COPY text, chunk by chunk of users (a user's account,
 * posts with their likes, comments and reposts, follows: stream-*.ts) and slice by slice of
 * users (subscriptions, feeds, lists, conversations: stream-small.ts), each chunk and slice
 * from its own fork of the seed (same --users and --seed, same rows). Memory holds a chunk, a
 * slice and a few typed arrays per user (~40 bytes), whatever --users is; only the pending
 * uploads (UUIDs, which the load's record lists) are kept whole, a few per hundred users.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { isMainThread, Worker } from 'node:worker_threads'
import { Random } from '../random.js'
import type { SEED_COLUMNS } from './columns.js'
import { Dataset, type IdStart, ts } from './dataset.js'
import { REF } from './gen-context.js'
import type { Tier } from './generate-subscriptions.js'
import { planFor, type SeedPlan } from './plan.js'
import { makePools, type Pools } from './pools.js'
import { type Chunk, Emitter, type StreamedTable } from './stream-emit.js'
import { streamFollows } from './stream-follows.js'
import { notify, streamPosts } from './stream-posts.js'
import { type SliceInput, sliceBounds, sliceTables } from './stream-small.js'
import { streamUser } from './stream-users.js'
import { makeWorld, type World } from './stream-world.js'

/** Users per chunk: a fixed number, so that chunks (and their forks) do not depend on timing. */
export const CHUNK_USERS = 200
/** Rows handed to the loader at a time (~5 MB of COPY text). */
const CHUNK_ROWS = 40_000

export interface StreamSeed {
  /** The pending uploads, whole until loaded (the loader then lets them go; see counts). */
  dataset: Dataset
  /** Per streamed table, the highest id it may use (reserved up front). */
  reserve: Record<string, number>
  feedUsers: { power: number[]; typical: number[]; sparse: number[] }
  chunkCount: number
  users: number
  /** The COPY text of each chunk, per table; rows per table so far (small tables too) in `counts`. */
  chunks(): AsyncGenerator<Map<string, string>>
  counts: Map<string, number>
}

export async function prepareStream(
  plan: SeedPlan,
  seed: number,
  ids: IdStart,
  tiers: Tier[],
): Promise<StreamSeed> {
  const random = new Random(seed)
  const pools = await makePools(seed)
  const world = makeWorld(plan, random)
  const dataset = pendingUploads({ plan, world, random, pools, ids, tiers })
  const reserve = reserveFor(plan, ids)
  // Rows per table: the pending uploads' now, the streamed ones' as their chunks are made.
  const counts = new Map(dataset.all().map((t) => [t.table, t.rows.length]))
  const input: WorkerInput = { users: plan.users, seed, ids, tiers }
  return {
    dataset,
    reserve,
    feedUsers: {
      power: world.feedKinds.power.map((i) => ids.users + i),
      typical: world.feedKinds.typical.map((i) => ids.users + i),
      sparse: world.feedKinds.sparse.map((i) => ids.users + i),
    },
    chunkCount: Math.ceil(plan.users / CHUNK_USERS),
    users: plan.users,
    chunks: () => {
      const file = workerFile()
      if (file) return inWorker(file, input, counts)
      return (async function* () {
        yield* (await chunkSource(input, { pools, world })).chunks(counts)
      })()
    },
    counts,
  }
}

function reserveFor(plan: SeedPlan, ids: IdStart): Record<string, number> {
  return Object.fromEntries(
    Object.entries(upperBounds(plan)).map(([table, rows]) => [
      table,
      ids[table as keyof IdStart] + rows - 1,
    ]),
  )
}

/**
 * The chunks of a streamed seed, from its inputs alone (the worker thread builds this; so does
 * the main thread when running from source). Each chunk draws from its own fork of the seed.
 */
export async function chunkSource(
  input: WorkerInput,
  given?: { pools: Pools; world: World },
): Promise<{ chunks(counts: Map<string, number>): AsyncGenerator<Map<string, string>> }> {
  const plan = planFor(input.users)
  const random = new Random(input.seed)
  const pools = given?.pools ?? (await makePools(input.seed))
  const world = given?.world ?? makeWorld(plan, random)
  const { ids } = input
  const quotas = new Map<number, number>()
  const out = new Emitter(ids, reserveFor(plan, ids))
  const chunkCount = Math.ceil(plan.users / CHUNK_USERS)
  const left = { heavy: plan.nearQuota, hits: 5 }
  const slices = sliceBounds(plan.users)
  const sliceInput: SliceInput = { plan, world, random, pools, ids, tiers: input.tiers }
  let s = 0
  // Rows made per sliced table so far (pushed or waiting), so that ids go on across slices.
  const made = new Map<string, number>()
  // Slices made but not yet handed on: their rows wait until all their users are (so that
  // each chunk's text is in foreign-key order, which a load without superuser rights needs).
  const waiting: { end: number; dataset: Dataset }[] = []
  const slice = () => {
    const at = { ...ids }
    for (const table of SLICED) at[table] = ids[table] + (made.get(table) ?? 0)
    const a = slices[s] as number
    const end = slices[s + 1] as number
    const rows = sliceTables({ ...sliceInput, ids: at }, s, a, end, false)
    for (const t of rows.dataset.all()) made.set(t.table, (made.get(t.table) ?? 0) + t.rows.length)
    for (const [i, quota] of rows.quotas) quotas.set(i, quota)
    waiting.push({ end, dataset: rows.dataset })
    s++
  }
  const handOn = (done: number) => {
    while (waiting[0] && waiting[0].end <= done) {
      const { dataset } = waiting.shift() as (typeof waiting)[number]
      for (const t of dataset.all()) out.pushRows(t.table as StreamedTable, t.columns, t.rows)
    }
  }
  async function* chunks(counts: Map<string, number>): AsyncGenerator<Map<string, string>> {
    for (let k = 0; k < chunkCount; k++) {
      // The slices of this chunk's users first: their subscriptions set storage quotas.
      while (s < slices.length - 1 && (slices[s] as number) < (k + 1) * CHUNK_USERS) slice()
      const c: Chunk = {
        w: world,
        r: random.fork(`chunk:${k}`),
        out,
        ids,
        pools,
        userOrdinal: ids.users,
        quotas,
        left,
      }
      const end = Math.min(plan.users, (k + 1) * CHUNK_USERS)
      for (let i = k * CHUNK_USERS; i < end; i++) {
        streamUser(c, i)
        streamPosts(c, i)
        streamFollows(c, i)
        if (c.r.chance(world.notify.system))
          notify(c, c.ids.users + i, 'system', null, null, null, 'Welcome to VRSS', ts(REF))
        // A popular user has hundreds of posts: what is handed on is bounded in rows, not users
        // (where the text is cut changes nothing in it).
        if (out.buffered >= CHUNK_ROWS) yield take(out, counts)
      }
      handOn(end)
      if (out.buffered > 0) yield take(out, counts)
      // Let the COPY streams and the progress line run between chunks.
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  return { chunks }
}

/** The tables stream-small.ts makes slice by slice, which number their rows themselves. */
const SLICED = [
  'user_subscriptions',
  'custom_feeds',
  'feed_filters',
  'user_lists',
  'list_members',
  'conversations',
  'messages',
] as const

/** The pending uploads, slice by slice like the other small tables but kept (see dataset). */
function pendingUploads(input: SliceInput): Dataset {
  const dataset = new Dataset()
  const slices = sliceBounds(input.plan.users)
  for (let s = 0; s + 1 < slices.length; s++) {
    const made = sliceTables(input, s, slices[s] as number, slices[s + 1] as number, true)
    for (const t of made.dataset.all()) dataset.table(t.table, t.columns).rows.push(...t.rows)
  }
  return dataset
}

function take(out: Emitter, counts: Map<string, number>): Map<string, string> {
  for (const [table, n] of out.counts) counts.set(table, n)
  return out.take()
}

/**
 * The compiled worker (dist/); in-thread when running from source (tests) and, of course, in
 * the worker itself.
 */
function workerFile(): URL | undefined {
  if (!isMainThread) return undefined
  const url = new URL('./stream-worker.js', import.meta.url)
  return existsSync(fileURLToPath(url)) ? url : undefined
}

/** What the generator thread (stream-worker.ts) is given, and what it sends back. */
export interface WorkerInput {
  users: number
  seed: number
  ids: IdStart
  tiers: Tier[]
}

export type WorkerMessage =
  | { type: 'chunk'; chunk: Map<string, string>; counts: Map<string, number> }
  | { type: 'done' }

/**
 * The generator thread's heap limit. Its live data is a chunk, the pools and the per-user typed
 * arrays (~20 MB at 100K users; it is never given the small tables' rows, which were ~380 MB
 * there and kept it collecting garbage most of the time); without a limit V8 lets the heap grow
 * with the garbage of millions of rows before collecting it. A larger young generation than
 * V8's default: a chunk's lines live until it is handed on, and copying them from one small
 * young generation to the next was ~40% of the thread's time (64 MB: ~10% less CPU).
 */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 64 }

/** The same chunks, generated by a worker thread from the same inputs. */
async function* inWorker(
  file: URL,
  input: WorkerInput,
  counts: Map<string, number>,
): AsyncGenerator<Map<string, string>> {
  const worker = new Worker(file, { workerData: input, resourceLimits: WORKER_LIMITS })
  const queue: WorkerMessage[] = []
  let failure: unknown
  let wake: (() => void) | undefined
  const notify = () => {
    wake?.()
    wake = undefined
  }
  worker.on('message', (m: WorkerMessage) => {
    queue.push(m)
    notify()
  })
  worker.on('error', (err) => {
    failure = err
    notify()
  })
  worker.on('exit', (code) => {
    if (code !== 0 && failure === undefined)
      failure = new Error(`the seed's generator thread exited with code ${code}`)
    notify()
  })
  try {
    for (;;) {
      const message = queue.shift()
      if (message?.type === 'done') return
      if (message?.type === 'chunk') {
        for (const [table, n] of message.counts) counts.set(table, n)
        worker.postMessage('next')
        yield message.chunk
        continue
      }
      if (failure !== undefined) throw failure
      await new Promise<void>((resolve) => (wake = resolve))
    }
  } finally {
    await worker.terminate()
  }
}

/**
 * Rows per streamed table that the seed never exceeds (ids are reserved for this many; the
 * counts are sums of many independent draws, far inside these margins).
 */
export function upperBounds(plan: SeedPlan): Record<keyof typeof SEED_COLUMNS, number> {
  const margin = (expected: number) => Math.ceil(expected * 1.3) + 1000
  return {
    users: plan.users,
    user_profiles: plan.users,
    storage_usage: plan.users,
    posts: plan.posts,
    post_media: margin(plan.media) + plan.nearQuota * 100,
    user_follows: margin(plan.follows),
    friendships: margin(plan.mutualPairs),
    post_interactions: margin(plan.likes * 1.05) + 200,
    comments: margin(plan.comments),
    reposts: margin(plan.reposts),
    profile_sections: plan.usersWithSections * 4,
    section_content: plan.usersWithSections * 16,
    notifications: margin(plan.notifications),
    sessions: plan.users * 2,
    verification_tokens: plan.users,
    // The slice generators' most per user, feed and conversation (generate-*.ts).
    user_subscriptions: plan.subscriptions,
    custom_feeds: plan.customFeeds,
    feed_filters: plan.customFeeds * 2,
    user_lists: plan.lists,
    list_members: plan.lists * 10,
    conversations: plan.conversations,
    messages: plan.conversations * 8,
  }
}
