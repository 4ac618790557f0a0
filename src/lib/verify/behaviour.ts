/**
 * One behavioural proof per guarantee of docs/schema.md: each makes its own fixture rows, acts,
 * and compares what the triggers did with what they must do (run by runProof, proofs.ts, in a
 * transaction that is always rolled back). Their statements are the proofs' script and read
 * best next to the checks, so they stay here rather than in src/sql.
 */
import { expectEqual } from './fixtures.js'
import type { Proof } from './proofs.js'

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
    // Phase 8: a writer that finds a post's counter lock taken appends a delta instead.
    name: 'a pending counter delta is read by vrss_post_counts and folded by the next write',
    tables: [...SOCIAL, 'post_interactions', 'post_counter_deltas'],
    async run(tx, f) {
      const [a, b] = [await f.user(), await f.user()]
      const post = await f.post(a)
      await tx`insert into post_interactions (user_id, post_id, type) values (${a}, ${post}, 'like')`
      // What a concurrent liker leaves when the lock is taken (its like row aside).
      await tx`insert into post_counter_deltas (post_id, likes) values (${post}, 1)`
      const exact = async () => {
        const [row] = await tx`select likes_count from vrss_post_counts(array[${post}::bigint])`
        return row?.likes_count
      }
      expectEqual('vrss_post_counts with a delta pending', 2, await exact())
      expectEqual('likes_count with a delta pending', 1, (await f.counters(post)).likes_count)
      await tx`insert into post_interactions (user_id, post_id, type) values (${b}, ${post}, 'like')`
      const [pending] =
        await tx`select count(*)::int as n from post_counter_deltas where post_id = ${post}`
      expectEqual('deltas left after the next like', 0, pending?.n)
      expectEqual('likes_count after the fold', 3, (await f.counters(post)).likes_count)
      expectEqual('vrss_post_counts after the fold', 3, await exact())
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
    // Phase 10: the timeline of a reader vrss-db enrolled (here enrolled by hand, ready, from the
    // beginning of time: the proof is rolled back).
    name: "an enrolled reader's timeline gets a followee's new post, a new followee's posts, and loses an unfollowed one's",
    tables: [...SOCIAL, 'user_follows'],
    phase: 10,
    async run(tx, f) {
      const [reader, a, b] = [await f.user(), await f.user(), await f.user()]
      const earlier = await f.post(b)
      await tx`insert into user_follows (follower_id, following_id) values (${reader}, ${a})`
      await tx`insert into feed_timeline_readers (reader_id, horizon_at, horizon_id, ready)
               values (${reader}, '-infinity', 0, true)`
      await tx`insert into feed_timeline_sources (author_id, reader_id) values (${a}, ${reader})`
      const timeline = async () =>
        (
          await tx`select post_id from feed_timeline_entries where reader_id = ${reader}
                   order by created_at desc, post_id desc`
        ).map((r) => Number(r.post_id))
      const feed = async () =>
        (await tx`select id from vrss_feed(${reader})`).map((r) => Number(r.id))
      const post = await f.post(a)
      expectEqual('timeline after a followee posts', [post], await timeline())
      await tx`insert into user_follows (follower_id, following_id) values (${reader}, ${b})`
      expectEqual(
        'timeline after following an account that posted',
        [post, earlier],
        await timeline(),
      )
      expectEqual('vrss_feed from the timeline', [post, earlier], await feed())
      await tx`delete from user_follows where follower_id = ${reader} and following_id = ${b}`
      expectEqual('timeline after an unfollow', [post], await timeline())
      expectEqual('vrss_feed after the unfollow', [post], await feed())
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
