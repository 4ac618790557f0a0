/**
 * Concurrency proofs (`verify-triggers --concurrency`): races of many connections, which need
 * committed data, so they run in a scratch schema (scratch-schema.ts) that is always dropped.
 */
import { randomBytes } from 'node:crypto'
import type { Sql } from '../db/connect.js'
import { withReservedConnection } from '../db/sessions.js'
import { onInterrupt } from '../interrupt.js'
import { Random } from '../random.js'
import type { ProofResult } from './proofs.js'
import {
  createScratchSchema,
  dropScratchSchema,
  liveSchema,
  newScratchName,
} from './scratch-schema.js'

// `status` reads the leftovers from here (its import is outside this change).

const CONNECTIONS = 8
/** How long an interrupted run may spend dropping its schema before it exits anyway. */
const INTERRUPT_CLEANUP_MS = 8000

export interface ConcurrencyOptions {
  pairs: number
  uploads: number
  likeOperations: number
}

export const DEFAULT_CONCURRENCY: ConcurrencyOptions = {
  pairs: 100,
  uploads: 40,
  likeOperations: 400,
}

/**
 * Opens a pool of `max` connections to the target, with these start-up settings on each (the
 * scratch schema's search_path). Given by the caller, so that only the command layer knows how
 * to connect.
 */
export type OpenConnection = (options: {
  max: number
  session: Record<string, string>
}) => Promise<Sql>

export async function runConcurrencyProofs(
  sql: Sql,
  openConnection: OpenConnection,
  options: ConcurrencyOptions = DEFAULT_CONCURRENCY,
): Promise<ProofResult[]> {
  const schema = newScratchName()
  // The owner connection holds the schema's advisory lock for the whole run (taken before the
  // schema exists): a marked schema whose lock is free was left by a run that died.
  return withReservedConnection(sql, async (owner) => {
    await owner`select pg_advisory_lock(hashtextextended(${schema}, 0)),
                       set_config('client_min_messages', 'warning', false)`
    let pool: Sql | undefined
    // Ctrl+C / kill: drop the schema before the connections close (bounded; the next run
    // removes what a failed drop leaves).
    const stopWatching = onInterrupt(async () => {
      const dropped = (async () => {
        // The proofs' open transactions would hold up the drop: end them first.
        await pool?.end({ timeout: 0 })
        await dropScratchSchema(owner, schema)
        return true
      })().catch(() => false)
      const giveUp = new Promise<boolean>((resolve) =>
        setTimeout(resolve, INTERRUPT_CLEANUP_MS, false).unref(),
      )
      return (await Promise.race([dropped, giveUp]))
        ? `the scratch schema ${schema} was dropped`
        : `the scratch schema ${schema} could not be dropped now (the next verify-triggers run removes it)`
    })
    try {
      const live = await liveSchema(sql)
      await createScratchSchema(sql, owner, schema, live)
      pool = await openConnection({
        max: CONNECTIONS,
        session: { search_path: `${schema}, ${live.quoted}` },
      })
      return await runProofs(pool, options)
    } finally {
      await pool?.end({ timeout: 5 })
      await dropScratchSchema(owner, schema)
      stopWatching()
      await owner`select pg_advisory_unlock(hashtextextended(${schema}, 0))`
      await owner.unsafe('reset client_min_messages')
    }
  })
}

async function runProofs(pool: Sql, options: ConcurrencyOptions): Promise<ProofResult[]> {
  return [
    await timed(
      `simultaneous mutual follows (${options.pairs} pairs, both directions at once, ${CONNECTIONS} connections)`,
      () => mutualFollows(pool, options.pairs),
    ),
    await timed(
      `concurrent uploads at the quota edge (${options.uploads} uploads, ${CONNECTIONS} connections)`,
      () => quotaRace(pool, options.uploads),
    ),
    await timed(
      `like/unlike storm (${options.likeOperations} operations, ${CONNECTIONS} connections)`,
      () => likeStorm(pool, options.likeOperations),
    ),
  ]
}

async function timed(
  name: string,
  fn: () => Promise<Omit<ProofResult, 'name' | 'ms'>>,
): Promise<ProofResult> {
  const started = performance.now()
  try {
    return { name, ...(await fn()), ms: Math.round(performance.now() - started) }
  } catch (err) {
    return {
      name,
      ok: false,
      ms: Math.round(performance.now() - started),
      error: (err as Error).message,
    }
  }
}

async function makeUsers(pool: Sql, count: number): Promise<number[]> {
  const prefix = `vv${randomBytes(3).toString('hex')}`
  const rows = await pool`
    insert into users (username, email, password_hash)
    select ${prefix} || '_' || g, ${prefix} || '_' || g || '@verify.invalid', 'x'
    from generate_series(1, ${count}::int) g
    returning id`
  return rows.map((r) => r.id as number)
}

async function mutualFollows(pool: Sql, pairs: number) {
  const users = await makeUsers(pool, pairs * 2)
  await Promise.all(
    Array.from({ length: pairs }, (_, i) => {
      const [a, b] = [users[2 * i] as number, users[2 * i + 1] as number]
      return Promise.all([
        pool.begin(
          (tx) => tx`insert into user_follows (follower_id, following_id) values (${a}, ${b})`,
        ),
        pool.begin(
          (tx) => tx`insert into user_follows (follower_id, following_id) values (${b}, ${a})`,
        ),
      ])
    }),
  )
  const [row] = await pool`select count(*) as n from friendships`
  const found = Number(row?.n)
  return found === pairs
    ? { ok: true }
    : {
        ok: false,
        error: 'friendships missing after simultaneous mutual follows',
        expected: pairs,
        actual: found,
      }
}

async function quotaRace(pool: Sql, uploads: number) {
  const [user] = await makeUsers(pool, 1)
  const fileBytes = 1000
  const fits = Math.floor(uploads / 4)
  await pool`update storage_usage set quota_bytes = ${fits * fileBytes} where user_id = ${user as number}`
  const [post] = await pool`
    insert into posts (user_id, type, content, published_at) values (${user as number}, 'image', 'x', now()) returning id`
  const results = await Promise.allSettled(
    Array.from({ length: uploads }, () =>
      pool.begin(async (tx) => {
        await tx`insert into post_media (post_id, user_id, type, file_url, file_size_bytes, mime_type)
                 values (${post?.id}, ${user as number}, 'image', 'u', ${fileBytes}, 'x/y')`
        await tx`select pg_sleep(0.005)`
      }),
    ),
  )
  const accepted = results.filter((r) => r.status === 'fulfilled').length
  const [usage] = await pool`
    select s.used_bytes, s.quota_bytes, (select coalesce(sum(file_size_bytes), 0)::bigint from post_media) as media
    from storage_usage s where s.user_id = ${user as number}`
  const actual = { accepted, used: usage?.used_bytes, media: usage?.media }
  const expected = { accepted: fits, used: fits * fileBytes, media: fits * fileBytes }
  return JSON.stringify(actual) === JSON.stringify(expected)
    ? { ok: true }
    : { ok: false, error: 'concurrent uploads broke the quota or the totals', expected, actual }
}

async function likeStorm(pool: Sql, operations: number) {
  const users = await makeUsers(pool, 20)
  const [post] = await pool`
    insert into posts (user_id, type, content, published_at) values (${users[0] as number}, 'text_short', 'x', now()) returning id`
  // Seeded: the same storm every run.
  const random = new Random(12345)
  await Promise.all(
    Array.from({ length: operations }, () => {
      const user = random.pick(users) as number
      return random.chance(0.5)
        ? pool`insert into post_interactions (user_id, post_id, type) values (${user}, ${post?.id}, 'like') on conflict do nothing`
        : pool`delete from post_interactions where user_id = ${user} and post_id = ${post?.id} and type = 'like'`
    }),
  )
  const exact = await exactLikes(pool, post?.id as number)
  if (exact.stored !== exact.likes) {
    return {
      ok: false,
      error:
        'the exact likes count (vrss_post_counts from phase 8) drifted under concurrent likes and unlikes',
      expected: exact.likes,
      actual: exact.stored,
    }
  }
  // The next uncontended write folds whatever deltas the storm left: the column is exact again.
  const liker = users[1] as number
  await pool`insert into post_interactions (user_id, post_id, type) values (${liker}, ${post?.id}, 'like') on conflict do nothing`
  await pool`delete from post_interactions where user_id = ${liker} and post_id = ${post?.id} and type = 'like'`
  const [row] = await pool`
    select likes_count, (select count(*) from post_interactions where post_id = p.id and type = 'like') as likes
    from posts p where id = ${post?.id}`
  return row?.likes_count === row?.likes
    ? { ok: true }
    : {
        ok: false,
        error: 'likes_count is not exact after the storm and one more uncontended like and unlike',
        expected: row?.likes,
        actual: row?.likes_count,
      }
}

/** The post's likes as the exact read path gives them (column + pending deltas from phase 8). */
async function exactLikes(pool: Sql, post: number): Promise<{ stored: number; likes: number }> {
  const [phase8] =
    await pool`select to_regprocedure('vrss_post_counts(bigint[])') is not null as present`
  const [row] = phase8?.present
    ? await pool`
        select e.likes_count as stored,
               (select count(*)::int from post_interactions where post_id = ${post} and type = 'like') as likes
        from vrss_post_counts(array[${post}::bigint]) e`
    : await pool`
        select likes_count as stored,
               (select count(*)::int from post_interactions where post_id = ${post} and type = 'like') as likes
        from posts where id = ${post}`
  return { stored: Number(row?.stored), likes: Number(row?.likes) }
}
