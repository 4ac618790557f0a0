// reconcile-counters: finds injected drift with exact numbers, repairs it, never writes a stale
// count while the application keeps writing, and runs one at a time.
import { beforeAll, describe, expect, it } from 'vitest'
import { parseReconcileOptions, run as reconcile } from '../../src/commands/reconcile.js'
import { parseSeedOptions, run as seed } from '../../src/commands/seed.js'
import type { Sql } from '../../src/lib/db/connect.js'
import { VrssError } from '../../src/lib/errors.js'
import { reconcile as reconcileEngine } from '../../src/lib/reconcile/engine.js'
import { migrateTo, testContext } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()
const run = (sql: Sql, url: string, raw: Record<string, unknown> = {}) =>
  reconcile(parseReconcileOptions(raw), testContext(sql, url))

beforeAll(async () => {
  await migrateTo(db.sql, db.url)
  await seed(parseSeedOptions({ users: '60' }), testContext(db.sql, db.url))
})

/** Changes stored values behind the triggers' back, as a bulk load or a restore would. */
async function injectDrift(sql: Sql) {
  await sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`
    await tx`update posts set likes_count = likes_count + 3 where id in (1, 2)`
    await tx`update posts set comments_count = comments_count + 1 where id = 3`
    await tx`update posts set reposts_count = reposts_count + 2 where id = 4`
    await tx`update comments set replies_count = replies_count + 5 where id = 1`
    await tx`update storage_usage set used_bytes = used_bytes + 1000, images_bytes = images_bytes + 1000 where user_id = 1`
    await tx`delete from storage_usage where user_id = 2`
    await tx`delete from friendships where id = (select min(id) from friendships)`
  })
}

const byCounter = (result: Awaited<ReturnType<typeof run>>) =>
  Object.fromEntries(
    result.counters.map((c) => [c.target, { drifted: c.drifted, delta: c.totalDelta }]),
  )

describe('reconcile-counters', () => {
  it('writes nothing on a consistent database', async () => {
    const before = await db.sql`select sum(xmin::text::bigint) as x from posts`
    const result = await run(db.sql, db.url)
    expect(result.totalDrifted).toBe(0)
    expect(result.exitCode).toBe(0)
    const after = await db.sql`select sum(xmin::text::bigint) as x from posts`
    expect(after).toEqual(before)
  })

  it('finds injected drift of every kind with exact numbers; --check exits 3; a repair fixes it', async () => {
    await injectDrift(db.sql)
    const check = await run(db.sql, db.url, { check: true })
    expect(check.exitCode).toBe(3)
    expect(byCounter(check)).toEqual({
      'posts.likes_count': { drifted: 2, delta: 6 },
      'posts.comments_count': { drifted: 1, delta: 1 },
      'posts.reposts_count': { drifted: 1, delta: 2 },
      'comments.replies_count': { drifted: 1, delta: 5 },
      'storage_usage (missing rows)': { drifted: 1, delta: 1 },
      'storage_usage.used_bytes and breakdown': { drifted: 1, delta: 1000 },
    })
    expect(check.friendships.missing).toBe(1)
    const likes = check.counters.find((c) => c.target === 'posts.likes_count')
    expect(likes?.examples.map((e) => [e.id, e.stored - e.expected])).toEqual([
      [1, 3],
      [2, 3],
    ])
    // --dry-run reports the same and changes nothing.
    const dry = await run(db.sql, db.url, { dryRun: true })
    expect(dry.exitCode).toBe(0)
    expect(dry.totalDrifted).toBe(check.totalDrifted)
    const repaired = await run(db.sql, db.url)
    expect(repaired.exitCode).toBe(0)
    expect(repaired.counters.reduce((sum, c) => sum + c.repaired, 0)).toBe(7)
    const after = await run(db.sql, db.url, { check: true })
    expect(after.counters.every((c) => c.drifted === 0)).toBe(true)
    // Missing friendships are reported, never invented: still there, still exit 3.
    expect(after.friendships.missing).toBe(1)
    expect(after.exitCode).toBe(3)
    await db.sql`
      insert into friendships (user_id_1, user_id_2)
      select a.follower_id, a.following_id from user_follows a
      join user_follows b on b.follower_id = a.following_id and b.following_id = a.follower_id
      where a.follower_id < a.following_id
      on conflict do nothing`
  })

  it('--only limits the work to the named counters', async () => {
    await injectDrift(db.sql)
    const result = await run(db.sql, db.url, { only: 'likes,storage' })
    expect(result.counters.map((c) => c.target)).toEqual([
      'posts.likes_count',
      'storage_usage (missing rows)',
      'storage_usage.used_bytes and breakdown',
    ])
    const rest = await run(db.sql, db.url, { check: true, only: 'comments,reposts,replies' })
    expect(rest.totalDrifted).toBe(3)
    await run(db.sql, db.url)
  })

  it('a range that drifted entirely is repaired in transactions of a bounded size', async () => {
    const [{ posts }] = (await db.sql`select count(*) as posts from posts`) as [{ posts: number }]
    await db.sql.begin(async (tx) => {
      await tx`set local session_replication_role = replica`
      await tx`update posts set likes_count = likes_count + 1`
    })
    const result = await reconcileEngine(db.sql, {
      only: ['likes'],
      write: true,
      batchSize: 1_000_000,
      lockTimeoutMs: 2000,
      maxRowsPerTransaction: 100,
    })
    expect(result.batches).toBe(1)
    expect(result.counters[0]?.repaired).toBe(posts)
    expect(result.transactions).toBe(Math.ceil(posts / 100))
    expect(result.maxBatchMs).toBeGreaterThan(0)
    const after = await run(db.sql, db.url, { check: true, only: 'likes' })
    expect(after.totalDrifted).toBe(0)
  })

  it('a like committed between the check and the repair is counted, not overwritten', async () => {
    const [post] = await db.sql`select id from posts order by id limit 1`
    const postId = post?.id as number
    const [liker] = await db.sql`
      select id from users u where not exists (
        select 1 from post_interactions i where i.user_id = u.id and i.post_id = ${postId} and i.type = 'like')
      limit 1`
    await db.sql.begin(async (tx) => {
      await tx`set local session_replication_role = replica`
      await tx`update posts set likes_count = likes_count + 3 where id = ${postId}`
    })
    // The application's like: its trigger has updated (and locked) the post, not yet committed.
    const app = db.connect(1)
    const like = await app.reserve()
    await like`begin`
    await like`insert into post_interactions (user_id, post_id, type) values (${liker?.id as number}, ${postId}, 'like')`
    const repair = run(db.sql, db.url, { only: 'likes' })
    await new Promise((resolve) => setTimeout(resolve, 300))
    await like`commit`
    like.release()
    const result = await repair
    const [row] = await db.sql`
      select likes_count, (select count(*) from post_interactions
                           where post_id = ${postId} and type = 'like') as actual
      from posts where id = ${postId}`
    expect(row?.likes_count).toBe(row?.actual)
    expect(result.counters[0]?.repaired).toBe(1)
  })

  it('a like/unlike/comment/upload storm during reconcile leaves zero drift', async () => {
    await injectDrift(db.sql)
    const app = db.connect(6)
    const users = (await db.sql`select id from users order by id limit 40`).map(
      (r) => r.id as number,
    )
    const posts = (
      await db.sql`select id from posts where status = 'published' order by id limit 30`
    ).map((r) => r.id as number)
    let stop = false
    const storm = (async () => {
      let i = 0
      const ops: Promise<unknown>[] = []
      while (!stop) {
        const user = users[i % users.length] as number
        const post = posts[(i * 7) % posts.length] as number
        const op = i % 4
        ops.push(
          op === 0
            ? app`insert into post_interactions (user_id, post_id, type) values (${user}, ${post}, 'like') on conflict do nothing`
            : op === 1
              ? app`delete from post_interactions where user_id = ${user} and post_id = ${post} and type = 'like'`
              : op === 2
                ? app`insert into comments (post_id, user_id, content) values (${post}, ${user}, 'storm')`
                : app`insert into post_media (post_id, user_id, type, file_url, file_size_bytes, mime_type)
                      select ${post}, user_id, 'image', 'u', 1000, 'image/png' from posts where id = ${post}`.catch(
                    () => undefined,
                  ),
        )
        i++
        if (ops.length >= 12) await Promise.all(ops.splice(0))
      }
      await Promise.all(ops)
      return i
    })()
    const result = await run(db.sql, db.url, { batchSize: '5' })
    stop = true
    const operations = await storm
    expect(operations).toBeGreaterThan(50)
    expect(result.batches).toBeGreaterThan(10)
    const [drift] = await db.sql.unsafe(`
      select (select count(*) from posts p where likes_count <> (select count(*) from post_interactions i where i.post_id = p.id and i.type = 'like')) as likes,
             (select count(*) from posts p where comments_count <> (select count(*) from comments c where c.post_id = p.id and c.deleted_at is null)) as comments,
             (select count(*) from storage_usage s where used_bytes <> (select coalesce(sum(file_size_bytes), 0) from post_media m where m.user_id = s.user_id)) as storage`)
    expect(drift).toEqual({ likes: 0, comments: 0, storage: 0 })
  })

  it('refuses to run while another run holds the lock (exit 1, holder named)', async () => {
    const blocker = db.connectUrl(db.url, { application_name: 'nightly-cron-1' })
    const reserved = await blocker.reserve()
    await reserved`select pg_advisory_lock(hashtextextended('vrss-db:reconcile', 0))`
    const err = await run(db.sql, db.url).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(VrssError)
    expect((err as VrssError).exitCode).toBe(1)
    expect((err as VrssError).message).toContain('Another reconcile run is held by backend pid')
    expect((err as VrssError).message).toContain('"nightly-cron-1"')
    reserved.release()
    await blocker.end()
  })

  it.each([
    [{ batchSize: '0' }, '--batch-size'],
    [{ batchSize: 'lots' }, '--batch-size'],
    [{ only: 'nonsense' }, '--only'],
    [{ only: 'likes,nonsense' }, '"nonsense"'],
    [{ check: true, dryRun: true }, 'cannot be used together'],
  ])('rejects %j as a usage error', (raw, message) => {
    try {
      parseReconcileOptions(raw)
      expect.unreachable()
    } catch (err) {
      expect((err as VrssError).exitCode).toBe(2)
      expect((err as VrssError).message).toContain(message)
    }
  })
})
