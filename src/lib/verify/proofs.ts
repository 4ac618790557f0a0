/**
 * One behavioural proof per guarantee of docs/schema.md. Each runs in its own transaction that is
 * always rolled back: it makes its own fixture rows, acts, and compares what the triggers did
 * with what they must do. Sequences it touches that this role owns are made transactional first
 * (ALTER SEQUENCE rewrites them), so the rollback also restores them: nothing of a proof
 * survives it. Sequences it does not own cannot be altered: they advance, as with any rolled
 * back insert of the application, and the proof still runs.
 */
import type { Sql, TransactionSql } from '../db/connect.js'
import { query } from '../db/sql-files.js'
import { isPostgresError } from '../errors.js'
import { PHASES } from '../schema/manifest.js'

export class ProofFailure extends Error {
  constructor(
    readonly check: string,
    readonly expected: unknown,
    readonly actual: unknown,
  ) {
    super(`${check}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
  }
}

export interface Proof {
  name: string
  /** Tables whose id sequences the proof (or the triggers it fires) advances. */
  tables: string[]
  /** The phase it needs when that is not the newest phase of its tables (see phaseOf). */
  phase?: number
  run(tx: TransactionSql, f: Fixtures): Promise<void>
}

function expectEqual(check: string, expected: unknown, actual: unknown): void {
  if (JSON.stringify(expected) !== JSON.stringify(actual))
    throw new ProofFailure(check, expected, actual)
}

/** Fixture rows inside the proof's transaction. */
export class Fixtures {
  private n = 0
  constructor(private readonly tx: TransactionSql) {}

  async user(): Promise<number> {
    const name = `vrss_verify_${process.pid}_${this.n++}`
    const [row] = await this.tx`
      insert into users (username, email, password_hash)
      values (${name}, ${`${name}@verify.invalid`}, 'x') returning id`
    return row?.id as number
  }

  async post(userId: number): Promise<number> {
    const [row] = await this.tx`
      insert into posts (user_id, type, content, published_at)
      values (${userId}, 'text_short', 'verify', now()) returning id`
    return row?.id as number
  }

  async comment(postId: number, userId: number, parent: number | null = null): Promise<number> {
    const [row] = await this.tx`
      insert into comments (post_id, user_id, parent_comment_id, content)
      values (${postId}, ${userId}, ${parent}, 'verify') returning id`
    return row?.id as number
  }

  async media(postId: number | null, userId: number, bytes: number, type: string): Promise<number> {
    const [row] = await this.tx`
      insert into post_media (post_id, user_id, type, file_url, file_size_bytes, mime_type)
      values (${postId}, ${userId}, ${type}, 'https://verify.invalid/f', ${bytes}, 'x/y')
      returning id`
    return row?.id as number
  }

  async counters(postId: number) {
    const [row] = await this.tx`
      select likes_count, comments_count, reposts_count from posts where id = ${postId}`
    return row as { likes_count: number; comments_count: number; reposts_count: number }
  }

  async storage(userId: number) {
    const [row] = await this.tx`
      select used_bytes, images_bytes, videos_bytes, audio_bytes, other_bytes, quota_bytes
      from storage_usage where user_id = ${userId}`
    return row
  }
}

const SOCIAL = ['users', 'storage_usage', 'posts']

export const PROOFS: Proof[] = [
  {
    name: 'updated_at moves when content changes',
    tables: SOCIAL,
    async run(tx, f) {
      const post = await f.post(await f.user())
      await tx`update posts set updated_at = '2000-01-01' where id = ${post}`
      await tx`update posts set content = 'edited' where id = ${post}`
      const [row] = await tx`select updated_at = now() as bumped from posts where id = ${post}`
      expectEqual('posts.updated_at after an edit is now()', true, row?.bumped)
    },
  },
  {
    name: 'updated_at stays when only counters change',
    tables: [...SOCIAL, 'post_interactions'],
    async run(tx, f) {
      const user = await f.user()
      const post = await f.post(user)
      await tx`update posts set updated_at = '2000-01-01' where id = ${post}`
      await tx`insert into post_interactions (user_id, post_id, type) values (${user}, ${post}, 'like')`
      await tx`update posts set views_count = views_count + 1 where id = ${post}`
      const [row] =
        await tx`select extract(year from updated_at)::int as year from posts where id = ${post}`
      expectEqual('posts.updated_at after a like', 2000, row?.year)
    },
  },
  {
    name: 'likes_count counts likes',
    tables: [...SOCIAL, 'post_interactions'],
    async run(tx, f) {
      const [a, b] = [await f.user(), await f.user()]
      const post = await f.post(a)
      await tx`insert into post_interactions (user_id, post_id, type)
               values (${a}, ${post}, 'like'), (${b}, ${post}, 'like'), (${b}, ${post}, 'bookmark')`
      expectEqual(
        'likes_count after 2 likes and a bookmark',
        2,
        (await f.counters(post)).likes_count,
      )
      await tx`delete from post_interactions where user_id = ${b} and post_id = ${post}`
      expectEqual('likes_count after an unlike', 1, (await f.counters(post)).likes_count)
    },
  },
  {
    name: 'comments_count counts live comments, replies included',
    tables: [...SOCIAL, 'comments'],
    async run(tx, f) {
      const user = await f.user()
      const post = await f.post(user)
      const top = await f.comment(post, user)
      const reply = await f.comment(post, user, top)
      expectEqual(
        'comments_count after a comment and a reply',
        2,
        (await f.counters(post)).comments_count,
      )
      await tx`update comments set deleted_at = now() where id = ${reply}`
      expectEqual('comments_count after a soft delete', 1, (await f.counters(post)).comments_count)
      await tx`update comments set deleted_at = null where id = ${reply}`
      expectEqual('comments_count after a restore', 2, (await f.counters(post)).comments_count)
      await tx`delete from comments where id = ${reply}`
      expectEqual('comments_count after a delete', 1, (await f.counters(post)).comments_count)
    },
  },
  {
    name: 'replies_count counts live direct replies',
    tables: [...SOCIAL, 'comments'],
    async run(tx, f) {
      const user = await f.user()
      const post = await f.post(user)
      const top = await f.comment(post, user)
      const reply = await f.comment(post, user, top)
      await f.comment(post, user, reply) // a reply to the reply counts for `reply`, not `top`
      const replies = async () =>
        (await tx`select replies_count from comments where id = ${top}`)[0]?.replies_count
      expectEqual('replies_count of the parent', 1, await replies())
      await tx`update comments set deleted_at = now() where id = ${reply}`
      expectEqual('replies_count after the reply is soft-deleted', 0, await replies())
    },
  },
  {
    name: 'reposts_count counts reposts',
    tables: [...SOCIAL, 'reposts'],
    async run(tx, f) {
      const [a, b] = [await f.user(), await f.user()]
      const post = await f.post(a)
      await tx`insert into reposts (user_id, post_id) values (${b}, ${post})`
      expectEqual('reposts_count after a repost', 1, (await f.counters(post)).reposts_count)
      await tx`delete from reposts where user_id = ${b} and post_id = ${post}`
      expectEqual('reposts_count after removing it', 0, (await f.counters(post)).reposts_count)
    },
  },
  {
    name: 'mutual follow creates exactly one friendship, kept on unfollow',
    tables: ['users', 'storage_usage', 'user_follows', 'friendships'],
    async run(tx, f) {
      const [a, b] = [await f.user(), await f.user()]
      const pair = async () =>
        tx`select user_id_1, user_id_2 from friendships where user_id_1 = ${Math.min(a, b)} and user_id_2 = ${Math.max(a, b)}`
      await tx`insert into user_follows (follower_id, following_id) values (${a}, ${b})`
      expectEqual('friendships after a one-way follow', 0, (await pair()).length)
      await tx`insert into user_follows (follower_id, following_id) values (${b}, ${a})`
      expectEqual('friendships after the follow back', 1, (await pair()).length)
      await tx`delete from user_follows where follower_id = ${a} and following_id = ${b}`
      expectEqual('friendships after an unfollow', 1, (await pair()).length)
    },
  },
  {
    name: 'storage totals and breakdown follow post_media',
    tables: [...SOCIAL, 'post_media'],
    async run(tx, f) {
      const user = await f.user()
      const post = await f.post(user)
      const image = await f.media(post, user, 1000, 'image')
      await f.media(post, user, 2000, 'video')
      await f.media(post, user, 300, 'audio')
      await f.media(post, user, 40, 'gif')
      const doc = await f.media(post, user, 5, 'document')
      const expected = (
        used: number,
        images: number,
        videos: number,
        audio: number,
        other: number,
      ) => ({
        used_bytes: used,
        images_bytes: images,
        videos_bytes: videos,
        audio_bytes: audio,
        other_bytes: other,
      })
      const actual = async () => {
        const { quota_bytes: _, ...rest } = (await f.storage(user)) ?? {}
        return rest
      }
      expectEqual('storage after 5 uploads', expected(3345, 1000, 2000, 300, 45), await actual())
      await tx`update post_media set file_size_bytes = 1500, type = 'video' where id = ${image}`
      await tx`delete from post_media where id = ${doc}`
      expectEqual(
        'storage after an update and a delete',
        expected(3840, 0, 3500, 300, 40),
        await actual(),
      )
    },
  },
  {
    name: 'media without a post counts toward its uploader; attaching it changes no total',
    tables: [...SOCIAL, 'post_media'],
    // Media without a post exists from 006_api_compat on (post_id nullable).
    phase: 6,
    async run(tx, f) {
      const user = await f.user()
      const media = await f.media(null, user, 700, 'image')
      const used = async () => Number((await f.storage(user))?.used_bytes)
      expectEqual('storage after an upload without a post', 700, await used())
      await tx`update post_media set post_id = ${await f.post(user)} where id = ${media}`
      expectEqual('storage after attaching it to a post', 700, await used())
      await tx`delete from post_media where id = ${media}`
      expectEqual('storage after deleting it', 0, await used())
    },
  },
  {
    name: 'an upload above the quota is rejected; deletes still work',
    tables: [...SOCIAL, 'post_media'],
    async run(tx, f) {
      const user = await f.user()
      const post = await f.post(user)
      await tx`update storage_usage set quota_bytes = 1000 where user_id = ${user}`
      const media = await f.media(post, user, 900, 'image')
      const rejected = await tx
        .savepoint(
          (
            sp,
          ) => sp`insert into post_media (post_id, user_id, type, file_url, file_size_bytes, mime_type)
                               values (${post}, ${user}, 'image', 'u', 200, 'x/y')`,
        )
        .then(
          () => 'accepted',
          (err: { code?: string }) => err.code,
        )
      expectEqual('SQLSTATE of an upload over the quota', '23514', rejected)
      await tx`update storage_usage set quota_bytes = 10 where user_id = ${user}`
      await tx`delete from post_media where id = ${media}`
      expectEqual('used_bytes after deleting over quota', 0, (await f.storage(user))?.used_bytes)
    },
  },
  {
    name: 'every new user gets a storage row with the Free quota',
    tables: ['users', 'storage_usage'],
    async run(tx, f) {
      const user = await f.user()
      const [free] =
        await tx`select coalesce((select storage_bytes from subscription_tiers where name = 'Free'), 52428800) as bytes`
      const row = await f.storage(user)
      expectEqual(
        'storage_usage of a new user',
        { used: 0, quota: free?.bytes },
        {
          used: row?.used_bytes,
          quota: row?.quota_bytes,
        },
      )
    },
  },
  {
    name: 'conversations.last_message_at is the newest message',
    tables: ['users', 'storage_usage', 'conversations', 'messages'],
    async run(tx, f) {
      const [a, b] = [await f.user(), await f.user()]
      const [conv] =
        await tx`insert into conversations (participant_ids, created_at, last_message_at) values (${[a, b]}, '2025-12-31', '2025-12-31') returning id`
      await tx`insert into messages (conversation_id, sender_id, content, created_at) values (${conv?.id}, ${a}, 'hi', '2026-01-02')`
      await tx`insert into messages (conversation_id, sender_id, content, created_at) values (${conv?.id}, ${b}, 'late', '2026-01-01')`
      const [row] =
        await tx`select last_message_at = '2026-01-02'::timestamptz as ok from conversations where id = ${conv?.id}`
      expectEqual('last_message_at after a newer and an older message', true, row?.ok)
    },
  },
]

export interface ProofResult {
  name: string
  ok: boolean
  ms: number
  error?: string
  expected?: unknown
  actual?: unknown
  /** The proof could not run (a lock wait, a missing privilege, a read-only server): not ok, but nothing is known to be broken. */
  couldNotRun?: { sqlstate: string; message: string }
  /** Sequences this role does not own, advanced by the proof's rolled-back inserts. */
  advancedSequences?: string[]
}

/**
 * SQLSTATEs that say the proof could not do its work, not that a trigger is wrong: lock
 * timeout, statement timeout (query_canceled), deadlock, insufficient privilege, read-only
 * transaction.
 */
const COULD_NOT_RUN = new Set(['55P03', '57014', '40P01', '42501', '25006'])

/**
 * The phase a proof needs: its own `phase`, else the newest phase among its tables (each
 * phase's triggers sit on its own tables).
 */
export function phaseOf(proof: Proof): number {
  if (proof.phase !== undefined) return proof.phase
  return Math.max(
    ...proof.tables.map((t) => PHASES.find((p) => p.tables.includes(t))?.version ?? Infinity),
  )
}

class Rollback extends Error {}

/** Runs one proof in a transaction that is always rolled back. */
export async function runProof(
  sql: Sql,
  proof: Proof,
  timeouts: { lockMs: number; statementMs: number },
): Promise<ProofResult> {
  const started = performance.now()
  let failure: unknown
  const advanced: string[] = []
  try {
    await sql.begin(async (tx) => {
      await tx`select set_config('lock_timeout', ${`${timeouts.lockMs}ms`}, true)`
      await tx`select set_config('statement_timeout', ${`${timeouts.statementMs}ms`}, true)`
      advanced.push(...(await makeSequencesTransactional(tx, proof.tables)))
      try {
        await proof.run(tx, new Fixtures(tx))
      } catch (err) {
        failure = err
      }
      throw new Rollback()
    })
  } catch (err) {
    if (!(err instanceof Rollback)) failure = err
  }
  const ms = Math.round((performance.now() - started) * 10) / 10
  const base = { name: proof.name, ms, ...(advanced.length ? { advancedSequences: advanced } : {}) }
  if (failure === undefined) return { ...base, ok: true } satisfies ProofResult
  if (isPostgresError(failure) && COULD_NOT_RUN.has(failure.code)) {
    return {
      ...base,
      ok: false,
      error: `could not run: ${failure.message}`,
      couldNotRun: { sqlstate: failure.code, message: failure.message },
    } satisfies ProofResult
  }
  if (failure instanceof ProofFailure) {
    return {
      ...base,
      ok: false,
      error: failure.check,
      expected: failure.expected,
      actual: failure.actual,
    } satisfies ProofResult
  }
  const message = failure instanceof Error ? failure.message : String(failure)
  return { ...base, ok: false, error: message } satisfies ProofResult
}

/**
 * Rewrites the owned id sequences of `tables` so that nextval() in this transaction is rolled
 * back with it. Returns the sequences it could not rewrite (not owned by this role).
 */
async function makeSequencesTransactional(tx: TransactionSql, tables: string[]) {
  const sequences = await query<{ name: string; owned: boolean; start_value: string }>(
    tx,
    'verify/sequences',
    [tables],
  )
  for (const seq of sequences.filter((s) => s.owned)) {
    await tx.unsafe(`alter sequence ${seq.name} start with ${Number(seq.start_value)}`)
  }
  return sequences.filter((s) => !s.owned).map((s) => s.name)
}
