// Trigger guarantees of docs/schema.md, including the two-connection races.
import { beforeAll, describe, expect, it } from 'vitest'
import { migrateTo } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'
import {
  makeComment,
  makeMedia,
  makePost,
  makeUser,
  postCounters,
  storageOf,
} from '../support/fixtures.js'

const db = useTestDatabase()

beforeAll(async () => {
  await migrateTo(db.sql, db.url)
})

describe('updated_at', () => {
  it('moves when content changes, not when only counters change', async () => {
    const u = await makeUser(db.sql)
    const post = await makePost(db.sql, u)
    await db.sql`update posts set updated_at = '2000-01-01' where id = ${post}`
    await db.sql`insert into post_interactions (user_id, post_id, type) values (${u}, ${post}, 'like')`
    await db.sql`update posts set views_count = views_count + 1 where id = ${post}`
    const [afterLike] = await db.sql`select updated_at from posts where id = ${post}`
    expect((afterLike?.updated_at as Date | undefined)?.getUTCFullYear()).toBe(2000)
    await db.sql`update posts set content = 'edited' where id = ${post}`
    const [afterEdit] =
      await db.sql`select updated_at > now() - interval '1 minute' as fresh from posts where id = ${post}`
    expect(afterEdit?.fresh).toBe(true)
  })

  it('comments: a reply does not make its parent look edited', async () => {
    const u = await makeUser(db.sql)
    const post = await makePost(db.sql, u)
    const parent = await makeComment(db.sql, post, u)
    await db.sql`update comments set updated_at = '2000-01-01' where id = ${parent}`
    await makeComment(db.sql, post, u, parent)
    const [row] = await db.sql`select updated_at, replies_count from comments where id = ${parent}`
    expect(row?.replies_count).toBe(1)
    expect((row?.updated_at as Date | undefined)?.getUTCFullYear()).toBe(2000)
  })

  it('applies to users as well', async () => {
    const u = await makeUser(db.sql)
    await db.sql`update users set updated_at = '2000-01-01' where id = ${u}`
    await db.sql`update users set email_verified = true where id = ${u}`
    const [row] =
      await db.sql`select extract(year from updated_at) as year from users where id = ${u}`
    expect(Number(row?.year)).toBeGreaterThan(2000)
  })
})

describe('counters', () => {
  it('likes_count counts likes only, up and down', async () => {
    const a = await makeUser(db.sql)
    const b = await makeUser(db.sql)
    const post = await makePost(db.sql, a)
    await db.sql`insert into post_interactions (user_id, post_id, type) values (${a}, ${post}, 'like'), (${b}, ${post}, 'like'), (${b}, ${post}, 'bookmark')`
    expect((await postCounters(db.sql, post)).likes_count).toBe(2)
    await db.sql`delete from post_interactions where user_id = ${b} and post_id = ${post}`
    expect((await postCounters(db.sql, post)).likes_count).toBe(1)
  })

  it('comments_count counts live comments and replies; soft delete and restore move it', async () => {
    const u = await makeUser(db.sql)
    const post = await makePost(db.sql, u)
    const top = await makeComment(db.sql, post, u)
    const reply = await makeComment(db.sql, post, u, top)
    expect((await postCounters(db.sql, post)).comments_count).toBe(2)
    await db.sql`update comments set deleted_at = now() where id = ${reply}`
    expect((await postCounters(db.sql, post)).comments_count).toBe(1)
    const [parent] = await db.sql`select replies_count from comments where id = ${top}`
    expect(parent?.replies_count).toBe(0)
    await db.sql`update comments set deleted_at = null where id = ${reply}`
    expect((await postCounters(db.sql, post)).comments_count).toBe(2)
    await db.sql`delete from comments where id = ${reply}`
    expect((await postCounters(db.sql, post)).comments_count).toBe(1)
  })

  it('reposts_count follows reposts', async () => {
    const a = await makeUser(db.sql)
    const b = await makeUser(db.sql)
    const post = await makePost(db.sql, a)
    await db.sql`insert into reposts (user_id, post_id) values (${b}, ${post})`
    expect((await postCounters(db.sql, post)).reposts_count).toBe(1)
    await db.sql`delete from reposts where user_id = ${b}`
    expect((await postCounters(db.sql, post)).reposts_count).toBe(0)
  })

  it('a counter that drifted to 0 never goes negative and never blocks a delete', async () => {
    const u = await makeUser(db.sql)
    const post = await makePost(db.sql, u)
    await db.sql`insert into post_interactions (user_id, post_id, type) values (${u}, ${post}, 'like')`
    await db.sql`update posts set likes_count = 0 where id = ${post}`
    await db.sql`delete from post_interactions where post_id = ${post}`
    expect((await postCounters(db.sql, post)).likes_count).toBe(0)
  })

  it('concurrent likes from many connections lose no count', async () => {
    const author = await makeUser(db.sql)
    const post = await makePost(db.sql, author)
    const likers = await Promise.all(Array.from({ length: 40 }, () => makeUser(db.sql)))
    const pool = db.connect(8)
    await Promise.all(
      likers.map(
        (liker) =>
          pool`insert into post_interactions (user_id, post_id, type) values (${liker}, ${post}, 'like')`,
      ),
    )
    // Phase 8: exact at every moment through vrss_post_counts (column + pending deltas)…
    const [exact] = await db.sql`select likes_count from vrss_post_counts(array[${post}::bigint])`
    expect(exact?.likes_count).toBe(40)
    // …and in the column once the next uncontended write to the post has folded the deltas.
    await db.sql`insert into post_interactions (user_id, post_id, type) values (${author}, ${post}, 'like')`
    expect((await postCounters(db.sql, post)).likes_count).toBe(41)
  })
})

describe('friendship on mutual follow', () => {
  it('creates exactly one row, least id first, and keeps it on unfollow', async () => {
    const a = await makeUser(db.sql)
    const b = await makeUser(db.sql)
    await db.sql`insert into user_follows (follower_id, following_id) values (${b}, ${a})`
    expect(await db.sql`select 1 from friendships where user_id_1 = ${a}`).toHaveLength(0)
    await db.sql`insert into user_follows (follower_id, following_id) values (${a}, ${b})`
    const rows =
      await db.sql`select user_id_1, user_id_2 from friendships where ${a} in (user_id_1, user_id_2)`
    expect(rows).toEqual([{ user_id_1: Math.min(a, b), user_id_2: Math.max(a, b) }])
    await db.sql`delete from user_follows where follower_id = ${a}`
    expect(
      await db.sql`select 1 from friendships where ${a} in (user_id_1, user_id_2)`,
    ).toHaveLength(1)
  })

  it('two transactions following each other at the same moment still create the friendship', async () => {
    const a = await makeUser(db.sql)
    const b = await makeUser(db.sql)
    const first = db.connect(1)
    const second = db.connect(1)
    let releaseFirst: () => void = () => undefined
    const firstHolding = new Promise<void>((resolve) => {
      releaseFirst = resolve
    })
    let firstInserted: () => void = () => undefined
    const inserted = new Promise<void>((resolve) => {
      firstInserted = resolve
    })
    // T1 inserts A→B and keeps its transaction open; T2 inserts B→A meanwhile.
    const t1 = first.begin(async (tx) => {
      await tx`insert into user_follows (follower_id, following_id) values (${a}, ${b})`
      firstInserted()
      await firstHolding
    })
    await inserted
    const t2 = second.begin(async (tx) => {
      await tx`insert into user_follows (follower_id, following_id) values (${b}, ${a})`
    })
    await new Promise((resolve) => setTimeout(resolve, 200))
    releaseFirst()
    await Promise.all([t1, t2])
    expect(
      await db.sql`select 1 from friendships where user_id_1 = ${Math.min(a, b)} and user_id_2 = ${Math.max(a, b)}`,
    ).toHaveLength(1)
  })

  it('a storm of simultaneous mutual follows from two pools creates every friendship', async () => {
    const users = await Promise.all(Array.from({ length: 60 }, () => makeUser(db.sql)))
    const left = db.connect(6)
    const right = db.connect(6)
    const pairs: [number, number][] = Array.from({ length: 30 }, (_, i) => [
      users[2 * i] as number,
      users[2 * i + 1] as number,
    ])
    await Promise.all(
      pairs.flatMap(([x, y]) => [
        left.begin(
          (tx) => tx`insert into user_follows (follower_id, following_id) values (${x}, ${y})`,
        ),
        right.begin(
          (tx) => tx`insert into user_follows (follower_id, following_id) values (${y}, ${x})`,
        ),
      ]),
    )
    const [row] =
      await db.sql`select count(*) as n from friendships where user_id_1 = any(${users})`
    expect(row?.n).toBe(30)
  })
})

describe('storage and quota', () => {
  it('every new user gets a storage row with the Free quota', async () => {
    const u = await makeUser(db.sql)
    expect(await storageOf(db.sql, u)).toMatchObject({ used_bytes: 0, quota_bytes: 52428800 })
  })

  it("uses the Free tier's size once the tier exists", async () => {
    await db.sql`insert into subscription_tiers (name, storage_bytes, price_monthly_cents) values ('Free', 52428800, 0) on conflict do nothing`
    await db.sql`update subscription_tiers set storage_bytes = 60000000 where name = 'Free'`
    const u = await makeUser(db.sql)
    expect((await storageOf(db.sql, u))?.quota_bytes).toBe(60000000)
    await db.sql`update subscription_tiers set storage_bytes = 52428800 where name = 'Free'`
  })

  it('keeps totals and the breakdown on insert, update and delete (gif and document count as other)', async () => {
    const u = await makeUser(db.sql)
    const post = await makePost(db.sql, u)
    const img = await makeMedia(db.sql, post, u, 1000, 'image')
    await makeMedia(db.sql, post, u, 2000, 'video')
    await makeMedia(db.sql, post, u, 300, 'audio')
    await makeMedia(db.sql, post, u, 40, 'gif')
    const doc = await makeMedia(db.sql, post, u, 5, 'document')
    expect(await storageOf(db.sql, u)).toMatchObject({
      used_bytes: 3345,
      images_bytes: 1000,
      videos_bytes: 2000,
      audio_bytes: 300,
      other_bytes: 45,
    })
    await db.sql`update post_media set file_size_bytes = 1500, type = 'video' where id = ${img}`
    await db.sql`delete from post_media where id = ${doc}`
    expect(await storageOf(db.sql, u)).toMatchObject({
      used_bytes: 3840,
      images_bytes: 0,
      videos_bytes: 3500,
      audio_bytes: 300,
      other_bytes: 40,
    })
  })

  it('moving a file to another owner moves its bytes', async () => {
    const a = await makeUser(db.sql)
    const b = await makeUser(db.sql)
    const post = await makePost(db.sql, a)
    const media = await makeMedia(db.sql, post, a, 700)
    await db.sql`update post_media set user_id = ${b} where id = ${media}`
    expect((await storageOf(db.sql, a))?.used_bytes).toBe(0)
    expect((await storageOf(db.sql, b))?.used_bytes).toBe(700)
  })

  it('recreates a missing storage row on upload', async () => {
    const u = await makeUser(db.sql)
    await db.sql`delete from storage_usage where user_id = ${u}`
    await makeMedia(db.sql, await makePost(db.sql, u), u, 123)
    expect((await storageOf(db.sql, u))?.used_bytes).toBe(123)
  })

  it('rejects an upload above the quota with a clear error; deletes always succeed', async () => {
    const u = await makeUser(db.sql)
    await db.sql`update storage_usage set quota_bytes = 1000 where user_id = ${u}`
    const post = await makePost(db.sql, u)
    const media = await makeMedia(db.sql, post, u, 900)
    const error = await makeMedia(db.sql, post, u, 200).catch((err) => err)
    expect(error.code).toBe('23514')
    expect(error.constraint_name).toBe('storage_usage_quota_check')
    expect(error.message).toContain(`storage quota exceeded for user ${u}`)
    // Lowering the quota below usage must not block deleting files.
    await db.sql`update storage_usage set quota_bytes = 10 where user_id = ${u}`
    await db.sql`delete from post_media where id = ${media}`
    expect((await storageOf(db.sql, u))?.used_bytes).toBe(0)
  })

  it('many concurrent uploads for one user never go over the quota', async () => {
    const u = await makeUser(db.sql)
    await db.sql`update storage_usage set quota_bytes = 1000 where user_id = ${u}`
    const post = await makePost(db.sql, u)
    const left = db.connect(5)
    const right = db.connect(5)
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? left : right).begin(async (tx) => {
          await makeMedia(tx, post, u, 300)
          // Hold the transaction a moment so that the uploads really overlap.
          await tx`select pg_sleep(0.02)`
        }),
      ),
    )
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3)
    const [sum] =
      await db.sql`select coalesce(sum(file_size_bytes), 0)::bigint as total from post_media where user_id = ${u}`
    expect(sum?.total).toBe(900)
    expect((await storageOf(db.sql, u))?.used_bytes).toBe(900)
  })
})

describe('conversation', () => {
  it("last_message_at is the newest message's created_at, also for a late insert", async () => {
    const a = await makeUser(db.sql)
    const b = await makeUser(db.sql)
    const [conv] =
      await db.sql`insert into conversations (participant_ids, created_at, last_message_at) values (${[a, b]}, '2025-12-31', '2025-12-31') returning id`
    await db.sql`insert into messages (conversation_id, sender_id, content, created_at) values (${conv?.id}, ${a}, 'hi', '2026-01-02')`
    await db.sql`insert into messages (conversation_id, sender_id, content, created_at) values (${conv?.id}, ${b}, 'old', '2026-01-01')`
    const [row] = await db.sql`select last_message_at from conversations where id = ${conv?.id}`
    expect((row?.last_message_at as Date | undefined)?.toISOString()).toBe(
      '2026-01-02T00:00:00.000Z',
    )
  })
})
