// Phase 9's vrss_feed for readers of more than 1,000 accounts: the plan's rows, in order, over
// pages, whether the bounded walk answers or the merge does after it (each case checks which of
// the two indexes the call read), for quiet and busy followees, page sizes, ties and deletions.
import { beforeAll, describe, expect, it } from 'vitest'
import { run as explain } from '../../src/commands/explain.js'
import { parseExplainOptions } from '../../src/lib/explain/options.js'
import { migrateTo, testContext } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'
import type { Cursor } from '../support/feed.js'
import * as feed from '../support/feed.js'

const db = useTestDatabase()

const planFeed = (reader: number, cursor?: Cursor, size = 20) =>
  feed.planFeed(db.sql, reader, cursor, size)
const expectSameFeed = (reader: number, pages = 4) => feed.expectSameFeed(db.sql, reader, pages)

/**
 * Which shapes one call of vrss_feed ran (this transaction's statistics): the walk (its index),
 * the merge (its index, once per followee; the estimate reads it for at most 32), or both. On
 * tables this small the planner would sort posts instead of walking the index: not here.
 */
async function shapes(reader: number): Promise<string[]> {
  return db.sql.begin(async (tx) => {
    await tx`set local enable_seqscan = off`
    await tx`set local enable_bitmapscan = off`
    // PostgreSQL 16's "xact" counters also hold this backend's counts of earlier transactions
    // that it has not reported yet: count the difference.
    const scans = async () => {
      const [r] = await tx`
        select pg_stat_get_xact_numscans('idx_posts_feed_walk'::regclass)::int as walk,
               pg_stat_get_xact_numscans('idx_posts_feed_author'::regclass)::int as merge`
      return { walk: Number(r?.walk), merge: Number(r?.merge) }
    }
    const before = await scans()
    await tx`select id from vrss_feed(${reader})`
    const after = await scans()
    return [
      after.walk > before.walk ? 'walk' : '',
      after.merge - before.merge > 32 ? 'merge' : '',
    ].filter(Boolean)
  })
}

const makeUsers = (prefix: string, n: number) => feed.makeUsers(db.sql, prefix, n)
const follow = (reader: number, ids: number[]) => feed.follow(db.sql, reader, ids)

let quiet: number[] = []
let wide = 0
let narrow = 0

beforeAll(async () => {
  await migrateTo(db.sql, db.url)
  // 3,000 quiet accounts: a third never posted, the rest one or two posts each, over a year, with
  // many equal timestamps (ties are broken by id).
  quiet = await makeUsers('quiet', 3000)
  await db.sql`
    insert into posts (user_id, type, content, published_at, created_at)
    select u, 'text_short', 'quiet', now(),
      '2026-01-01'::timestamptz - ((u * 7919 + k * 104729) % 2000) * interval '1 hour'
    from unnest(${quiet}::bigint[]) u, generate_series(1, 2) k
    where u % 3 <> 0 and k <= 1 + u % 3`
  // 45,000 newer posts of accounts nobody follows. Both readers below are estimated to find a
  // page soon (their followees' share of the posts). The reader of all 3,000 quiet accounts walks
  // at most 120,000 rows: past the noise, to the quiet posts (the walk answers). The reader of
  // 1,001 of them walks at most 40,040 rows, all noise: the merge answers.
  const noise = await makeUsers('noise', 90)
  await db.sql`
    insert into posts (user_id, type, content, published_at, created_at)
    select u, 'text_short', 'noise', now(), '2026-03-01'::timestamptz - g * interval '1 minute'
    from unnest(${noise}::bigint[]) u, generate_series(1, 500) g`
  wide = (await makeUsers('wide_reader', 1))[0] as number
  await follow(wide, quiet)
  narrow = (await makeUsers('narrow_reader', 1))[0] as number
  await follow(narrow, quiet.slice(0, 1001))
  await db.sql`vacuum analyze posts, user_follows` // as autovacuum would: index-only walks
})

describe('vrss_feed (phase 9) for readers of more than 1,000 accounts', () => {
  it("returns the plan's rows for 3,000 quiet followees over four pages: the walk answers", async () => {
    expect(await shapes(wide)).toEqual(['walk'])
    expect(await expectSameFeed(wide)).toBe(80)
  })

  it("returns the plan's rows for 1,001 quiet followees behind 45,000 posts of others: the merge answers after the walk", async () => {
    expect(await shapes(narrow)).toEqual(['walk', 'merge'])
    expect(await expectSameFeed(narrow)).toBe(80)
  })

  it("returns the plan's rows for 1,200 busy followees and a reader of 500 busy and 501 quiet", async () => {
    const busy = await makeUsers('busy', 1200)
    await db.sql`
      insert into posts (user_id, type, content, published_at, created_at)
      select u, 'text_short', 'busy', now(), '2026-04-01'::timestamptz - (g % 50) * interval '1 minute'
      from unnest(${busy}::bigint[]) u, generate_series(1, 25) g`
    const [reader] = await makeUsers('busy_reader', 1)
    await follow(reader as number, busy)
    expect(await shapes(reader as number)).toEqual(['walk'])
    expect(await expectSameFeed(reader as number)).toBe(80)
    const [edge] = await makeUsers('edge_reader', 1)
    await follow(edge as number, [...busy.slice(0, 500), ...quiet.slice(0, 501)])
    expect(await expectSameFeed(edge as number)).toBe(80)
  })

  it('takes page sizes as phase 5 did: 0 rows, 1, 7, more than the walk bound, and null (all)', async () => {
    for (const reader of [wide, narrow]) {
      for (const size of [0, 1, 7, 1500]) {
        const shipped = await db.sql`select id from vrss_feed(${reader}, null, null, ${size})`
        expect(
          shipped.map((r) => r.id),
          `reader ${reader}, page_size ${size}`,
        ).toEqual(await planFeed(reader, undefined, size))
      }
      const all = await db.sql`select id from vrss_feed(${reader}, null, null, null)`
      expect(all.map((r) => r.id)).toEqual(await planFeed(reader, undefined, 100_000))
    }
    await expect(db.sql`select id from vrss_feed(${wide}, null, null, -1)`).rejects.toThrow(
      /LIMIT must not be negative/,
    )
  })

  it('starts after any cursor, also one between two posts with the same timestamp', async () => {
    const [tie] = await db.sql`
      select created_at as at, max(id) as id from posts
      where user_id = any(${quiet}::bigint[]) group by created_at having count(*) > 1
      order by created_at desc limit 1`
    expect(tie).toBeDefined()
    const cursor = { at: tie?.at as Date, id: Number(tie?.id) }
    for (const reader of [wide, narrow]) {
      const shipped = await db.sql`
        select id from vrss_feed(${reader}, ${cursor.at}, ${cursor.id})`
      expect(shipped.map((r) => r.id)).toEqual(await planFeed(reader, cursor))
    }
  })

  it('never shows a deleted, unpublished or removed post, and shows a restored one', async () => {
    const first = (await db.sql`select id from vrss_feed(${wide}) limit 6`).map(
      (r) => r.id as number,
    )
    await db.sql`update posts set deleted_at = now() where id in ${db.sql(first.slice(0, 2))}`
    await db.sql`update posts set status = 'draft' where id in ${db.sql(first.slice(2, 4))}`
    await db.sql`delete from posts where id = ${first[4] as number}`
    const after = (await db.sql`select id from vrss_feed(${wide})`).map((r) => r.id as number)
    expect(after).not.toContain(first[0])
    expect(after[0]).toBe(first[5])
    expect(await expectSameFeed(wide)).toBe(80)
    await db.sql`update posts set deleted_at = null where id = ${first[0] as number}`
    expect((await db.sql`select id from vrss_feed(${wide}) limit 1`)[0]?.id).toBe(first[0])
    expect(await expectSameFeed(narrow)).toBe(80)
  })

  it('explain feed times the many-quiet reader next to the others', async () => {
    const result = await explain(
      parseExplainOptions({ runs: '3', fail: false }, ['feed']),
      testContext(db.sql, db.url),
    )
    const shipped = result.timings.filter((t) => t.query === 'feed (shipped)')
    const quietTiming = shipped.find((t) => t.subject.startsWith('many-quiet reader'))
    expect(quietTiming?.subject).toMatch(/^many-quiet reader \d+$/)
    expect(quietTiming?.rows).toBe(20)
  })

  it('merges without walking for a reader of 1,001 accounts that never posted (the estimate says so)', async () => {
    const silent = await makeUsers('silent', 1001)
    const [reader] = await makeUsers('silent_reader', 1)
    await follow(reader as number, silent)
    expect(await shapes(reader as number)).toEqual(['merge'])
    expect(await expectSameFeed(reader as number)).toBe(0)
  })
})
