// Phase 8 (008_counters): exact counts under a concurrent storm on one post, pending deltas
// (not drift) and lost deltas (drift), their folding by the next writer and by reconcile, and
// the down script keeping every count.
import { describe, expect, it } from 'vitest'
import { parseReconcileOptions, run as reconcile } from '../../src/commands/reconcile.js'
import { run as rollback } from '../../src/commands/rollback.js'
import { connect, type Sql } from '../../src/lib/db/connect.js'
import { parseDatabaseUrl } from '../../src/lib/db/target.js'
import { loadMigrations } from '../../src/lib/migrate/files.js'
import { Random } from '../../src/lib/random.js'
import { migrateTo, testContext } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()
const COUNTER_LOCK = 1448236115

async function migrated() {
  const target = await db.createDatabase()
  await migrateTo(target.sql, target.url)
  return target
}

async function fixture(sql: Sql, users: number): Promise<{ users: number[]; post: number }> {
  const rows = await sql`
    insert into users (username, email, password_hash)
    select 'c_' || g, 'c_' || g || '@test.invalid', 'x' from generate_series(1, ${users}::int) g
    returning id`
  const ids = rows.map((r) => Number(r.id))
  const [post] = await sql`
    insert into posts (user_id, type, content, published_at)
    values (${ids[0] as number}, 'text_short', 'viral', now()) returning id`
  return { users: ids, post: Number(post?.id) }
}

interface Counts {
  column: { likes: number; comments: number; reposts: number }
  exact: { likes: number; comments: number; reposts: number }
  rows: { likes: number; comments: number; reposts: number }
  pending: number
}

async function counts(sql: Sql, post: number): Promise<Counts> {
  const [row] = await sql`
    select p.likes_count, p.comments_count, p.reposts_count,
           e.likes_count as e_likes, e.comments_count as e_comments, e.reposts_count as e_reposts,
           (select count(*)::int from post_interactions where post_id = p.id and type = 'like') as r_likes,
           (select count(*)::int from comments where post_id = p.id and deleted_at is null) as r_comments,
           (select count(*)::int from reposts where post_id = p.id) as r_reposts,
           (select count(*)::int from post_counter_deltas where post_id = p.id) as pending
    from posts p, vrss_post_counts(array[p.id]) e
    where p.id = ${post}`
  const r = row as Record<string, number>
  return {
    column: { likes: r.likes_count, comments: r.comments_count, reposts: r.reposts_count },
    exact: { likes: r.e_likes, comments: r.e_comments, reposts: r.e_reposts },
    rows: { likes: r.r_likes, comments: r.r_comments, reposts: r.r_reposts },
    pending: r.pending,
  } as Counts
}

/** likes, unlikes, comments (some soft-deleted) and reposts of one post from 8 connections. */
async function storm(url: string, users: number[], post: number, operations: number) {
  const pool = await connect(parseDatabaseUrl(url), { max: 8 })
  const random = new Random(7)
  try {
    await Promise.all(
      Array.from({ length: operations }, () => {
        const user = random.pick(users) as number
        const dice = random.next()
        if (dice < 0.4)
          return pool`insert into post_interactions (user_id, post_id, type) values (${user}, ${post}, 'like') on conflict do nothing`
        if (dice < 0.7)
          return pool`delete from post_interactions where user_id = ${user} and post_id = ${post} and type = 'like'`
        if (dice < 0.85)
          return pool.begin(async (tx) => {
            const [c] =
              await tx`insert into comments (post_id, user_id, content) values (${post}, ${user}, 'hi') returning id`
            if (random.chance(0.5))
              await tx`update comments set deleted_at = now() where id = ${c?.id}`
          })
        return pool`insert into reposts (user_id, post_id) values (${user}, ${post}) on conflict do nothing`
      }),
    )
  } finally {
    await pool.end({ timeout: 5 })
  }
}

describe('counters (phase 8)', () => {
  it('stay exact under a concurrent storm on one post, and the columns once it is over', async () => {
    const { sql, url } = await migrated()
    const { users, post } = await fixture(sql, 40)
    await storm(url, users, post, 600)
    const after = await counts(sql, post)
    expect(after.exact).toEqual(after.rows)
    // One more uncontended write folds whatever the storm left pending.
    await sql`insert into post_interactions (user_id, post_id, type) values (${users[0] as number}, ${post}, 'bookmark')`
    await sql`insert into reposts (user_id, post_id) values (${users[1] as number}, ${post}) on conflict do nothing`
    await sql`delete from reposts where user_id = ${users[1] as number} and post_id = ${post}`
    const settled = await counts(sql, post)
    expect(settled.pending).toBe(0)
    expect(settled.column).toEqual(settled.rows)
    const check = await reconcile(parseReconcileOptions({ check: true }), testContext(sql, url))
    expect(check.totalDrifted).toBe(0)
  })

  it('appends deltas while the post is locked: exact reads, no drift; reconcile folds them', async () => {
    const { sql, url } = await migrated()
    const { users, post } = await fixture(sql, 20)
    const holder = await connect(parseDatabaseUrl(url), { max: 1 })
    const reserved = await holder.reserve()
    try {
      // Another writer "holds" the post's counter lock: every like has to leave a delta.
      await reserved`select pg_advisory_lock(${COUNTER_LOCK}, ${post}::int)`
      await storm(url, users, post, 200)
      const pending = await counts(sql, post)
      expect(pending.pending).toBeGreaterThan(0)
      expect(pending.column).toEqual({ likes: 0, comments: 0, reposts: 0 })
      expect(pending.exact).toEqual(pending.rows)
      const check = await reconcile(parseReconcileOptions({ check: true }), testContext(sql, url))
      expect(check.totalDrifted).toBe(0)
      // Still locked: reconcile leaves the post to its writer.
      const blocked = await reconcile(parseReconcileOptions({}), testContext(sql, url))
      expect(blocked.folded).toBe(0)
      expect((await counts(sql, post)).pending).toBe(pending.pending)
    } finally {
      await reserved`select pg_advisory_unlock(${COUNTER_LOCK}, ${post}::int)`
      reserved.release()
      await holder.end({ timeout: 5 })
    }
    const repaired = await reconcile(parseReconcileOptions({}), testContext(sql, url))
    expect(repaired.folded).toBe(1)
    expect(repaired.totalDrifted).toBe(0)
    const folded = await counts(sql, post)
    expect(folded.pending).toBe(0)
    expect(folded.column).toEqual(folded.rows)
  })

  it('reconcile folds every free post, however many busy ones come first (600 posts, 200 busy)', async () => {
    const { sql, url } = await migrated()
    const { users } = await fixture(sql, 1)
    const posts = await sql`
      insert into posts (user_id, type, content, published_at)
      select ${users[0] as number}, 'text_short', 'p' || g, now() from generate_series(1, 600) g
      returning id`
    const ids = posts.map((p) => Number(p.id))
    // A like left as a pending delta on each post (the column stays 0: exact = 1).
    await sql`insert into post_counter_deltas (post_id, likes) select unnest(${ids}::bigint[]), 1`
    await sql`update posts set likes_count = 0 where id = any(${ids}::bigint[])`
    await sql.unsafe(`alter table post_interactions disable trigger user`)
    await sql`insert into post_interactions (user_id, post_id, type)
              select ${users[0] as number}, unnest(${ids}::bigint[]), 'like'`
    await sql.unsafe(`alter table post_interactions enable trigger user`)
    const busy = ids.filter((_, i) => i % 3 === 0)
    const holder = await connect(parseDatabaseUrl(url), { max: 1 })
    const reserved = await holder.reserve()
    try {
      for (const id of busy) await reserved`select pg_advisory_lock(${COUNTER_LOCK}, ${id}::int)`
      const result = await reconcile(parseReconcileOptions({}), testContext(sql, url))
      expect(result.folded).toBe(ids.length - busy.length)
      const left = await sql`select distinct post_id from post_counter_deltas order by 1`
      expect(left.map((r) => Number(r.post_id))).toEqual(busy)
      expect(result.totalDrifted).toBe(0)
    } finally {
      await reserved`select pg_advisory_unlock_all()`
      reserved.release()
      await holder.end({ timeout: 5 })
    }
  })

  it('reports a lost delta as drift and repairs the column so that column + deltas is exact', async () => {
    const { sql, url } = await migrated()
    const { users, post } = await fixture(sql, 3)
    for (const user of users)
      await sql`insert into post_interactions (user_id, post_id, type) values (${user}, ${post}, 'like')`
    // Two of the likes as pending deltas, as concurrent likers would have left them…
    await sql`update posts set likes_count = 1 where id = ${post}`
    await sql`insert into post_counter_deltas (post_id, likes) values (${post}, 1), (${post}, 1)`
    const check = await reconcile(parseReconcileOptions({ check: true }), testContext(sql, url))
    expect(check.totalDrifted).toBe(0)
    // …and one of them lost.
    await sql`delete from post_counter_deltas where id = (select min(id) from post_counter_deltas)`
    const lost = await reconcile(parseReconcileOptions({ check: true }), testContext(sql, url))
    const likes = lost.counters.find((c) => c.counter === 'likes')
    expect(likes?.drifted).toBe(1)
    expect(likes?.examples[0]).toMatchObject({ id: post, expected: 3, stored: 2 })
    expect(lost.exitCode).toBe(3)
    const repaired = await reconcile(parseReconcileOptions({}), testContext(sql, url))
    expect(repaired.counters.find((c) => c.counter === 'likes')?.repaired).toBe(1)
    const after = await counts(sql, post)
    expect(after.pending).toBe(0)
    expect(after.column.likes).toBe(3)
  })

  it('rolls back to phase 7 without losing a pending delta', async () => {
    const { sql, url } = await migrated()
    const { users, post } = await fixture(sql, 2)
    await sql`insert into post_interactions (user_id, post_id, type) values (${users[0] as number}, ${post}, 'like')`
    await sql`insert into post_interactions (user_id, post_id, type) values (${users[1] as number}, ${post}, 'like')`
    // The second like as a delta instead, as a contended writer would have left it.
    await sql`update posts set likes_count = 1 where id = ${post}`
    await sql`insert into post_counter_deltas (post_id, likes) values (${post}, 1)`
    const result = await rollback(
      {
        migrations: loadMigrations(),
        lockWaitMs: 5000,
        lockTimeoutMs: 5000,
        to: 7,
        // No --force: the down script folds post_counter_deltas into the columns before it
        // drops the table (vrss-db:rows-kept), so a rollback with pending deltas loses nothing.
        force: false,
        yes: true,
      },
      testContext(sql, url),
    )
    expect(result.reverted.map((p) => p.version)).toEqual(
      loadMigrations()
        .map((m) => m.version)
        .filter((v) => v > 7)
        .reverse(),
    )
    const [row] = await sql`select likes_count from posts where id = ${post}`
    expect(row?.likes_count).toBe(2)
    const [table] = await sql`select to_regclass('post_counter_deltas') is null as gone`
    expect(table?.gone).toBe(true)
  })

  it('lists every content column of posts and comments in their updated_at triggers', async () => {
    // A later phase that adds a column to posts or comments must add it to the trigger's
    // UPDATE OF list and to its function's comparison, or updating it would not move updated_at.
    const { sql } = await migrated()
    const NOT_CONTENT: Record<string, string[]> = {
      posts: ['id', 'likes_count', 'comments_count', 'reposts_count', 'views_count', 'updated_at'],
      comments: ['id', 'likes_count', 'replies_count', 'updated_at'],
    }
    for (const [table, skipped] of Object.entries(NOT_CONTENT)) {
      const rows = await sql<{ column: string; listed: boolean }[]>`
        select a.attname as column, a.attnum = any(t.tgattr::int2[]) as listed
        from pg_attribute a
        join pg_trigger t on t.tgrelid = a.attrelid and t.tgname = ${`${table}_set_updated_at`}
        where a.attrelid = ${table}::regclass and a.attnum > 0 and not a.attisdropped`
      expect(rows.length, table).toBeGreaterThan(skipped.length)
      const missing = rows.filter((r) => !r.listed && !skipped.includes(r.column))
      expect(missing.map((r) => `${table}.${r.column}`)).toEqual([])
      const [fn] = await sql<{ body: string }[]>`
        select prosrc as body from pg_proc where proname = ${`vrss_${table}_set_updated_at`}`
      for (const r of rows.filter((c) => c.listed)) {
        expect(fn?.body, `${table}.${r.column} in the function's comparison`).toContain(
          `new.${r.column}`,
        )
      }
    }
  })
})
