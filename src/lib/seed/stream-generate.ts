/**
 * A streamed seed: the small per-run tables (subscriptions, custom feeds, lists, conversations,
 * pending uploads) made in memory by the usual generators, and the big ones made chunk by chunk
 * of users as COPY text, each chunk from its own fork of the seed (same --users and --seed, same
 * rows). Memory holds one chunk plus a few typed arrays per user, whatever --users is.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { isMainThread, Worker } from 'node:worker_threads'
import { Random } from '../random.js'
import { Dataset, type IdStart, ts } from './dataset.js'
import type { GenContext, SeedUser } from './gen-context.js'
import { REF } from './gen-context.js'
import { generatePendingUploads } from './generate-auth.js'
import { generateFeeds, generateLists } from './generate-feeds.js'
import { generateConversations } from './generate-messages.js'
import { generateSubscriptions, type Tier } from './generate-subscriptions.js'
import type { SeedPlan } from './plan.js'
import { makePools, type Pools } from './pools.js'
import { type Chunk, Emitter, type STREAMED_COLUMNS } from './stream-emit.js'
import { streamFollows } from './stream-follows.js'
import { notify, streamPosts } from './stream-posts.js'
import { streamUser } from './stream-users.js'
import { makeWorld, roleOf, type World } from './stream-world.js'

/** Users per chunk: a fixed number, so that chunks (and their forks) do not depend on timing. */
export const CHUNK_USERS = 200
/** Rows handed to the loader at a time (~5 MB of COPY text). */
const CHUNK_ROWS = 40_000

export interface StreamSeed {
  /** The small tables, whole. */
  dataset: Dataset
  /** Per streamed table, the highest id it may use (reserved up front). */
  reserve: Record<string, number>
  feedUsers: { power: number[]; typical: number[]; sparse: number[] }
  chunkCount: number
  users: number
  /** The COPY text of each chunk, per table; rows per table so far in `counts`. */
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
  const { dataset, quotas } = smallTables(plan, random, pools, ids, tiers, world)
  const reserve = Object.fromEntries(
    Object.entries(upperBounds(plan)).map(([table, rows]) => [
      table,
      ids[table as keyof IdStart] + rows - 1,
    ]),
  )
  const out = new Emitter(ids, reserve)
  const chunkCount = Math.ceil(plan.users / CHUNK_USERS)
  const left = { heavy: plan.nearQuota, hits: 5 }
  async function* chunks(): AsyncGenerator<Map<string, string>> {
    for (let k = 0; k < chunkCount; k++) {
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
        if (out.buffered >= CHUNK_ROWS) yield out.take()
      }
      if (out.buffered > 0) yield out.take()
      // Let the COPY streams and the progress line run between chunks.
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  const inThread = chunks
  return {
    dataset,
    reserve,
    feedUsers: {
      power: world.feedKinds.power.map((i) => ids.users + i),
      typical: world.feedKinds.typical.map((i) => ids.users + i),
      sparse: world.feedKinds.sparse.map((i) => ids.users + i),
    },
    chunkCount,
    users: plan.users,
    chunks: () =>
      workerFile()
        ? inWorker(workerFile() as URL, { users: plan.users, seed, ids, tiers }, out.counts)
        : inThread(),
    counts: out.counts,
  }
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
 * The generator thread's heap limit. Its live data is a chunk and the per-user arrays (~150 MB
 * at 100K users); without a limit V8 lets the heap grow with the garbage of millions of rows
 * before collecting it, so peak memory would follow --users after all.
 */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 512 }

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

/** The per-run tables that stay small (proportional to users, a few rows per hundred). */
function smallTables(
  plan: SeedPlan,
  random: Random,
  pools: Pools,
  ids: IdStart,
  tiers: Tier[],
  world: World,
): { dataset: Dataset; quotas: Map<number, number> } {
  const users: SeedUser[] = Array.from({ length: plan.users }, (_, i) => ({
    id: ids.users + i,
    role: roleOf(plan, i),
    username: '',
    createdAt: world.createdAt[i] as number,
  }))
  const ctx: GenContext = {
    plan,
    pools,
    random,
    ds: new Dataset(),
    ids,
    userOrdinal: ids.users,
    users,
    posts: [],
    following: [],
    usedBytes: new Map(),
    quotas: new Map(),
    feedKinds: { power: [], typical: [], sparse: [] },
  }
  generateSubscriptions(ctx, tiers)
  generateFeeds(ctx)
  generateLists(ctx)
  generateConversations(ctx)
  generatePendingUploads(ctx)
  const quotas = new Map<number, number>()
  for (const [id, quota] of ctx.quotas) quotas.set(id - ids.users, quota)
  return { dataset: ctx.ds, quotas }
}

/**
 * Rows per streamed table that the seed never exceeds (ids are reserved for this many; the
 * counts are sums of many independent draws, far inside these margins).
 */
export function upperBounds(plan: SeedPlan): Record<keyof typeof STREAMED_COLUMNS, number> {
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
  }
}
