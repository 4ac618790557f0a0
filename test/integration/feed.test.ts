// The shipped feed (vrss_feed, phase 005) returns exactly the plan's rows, in order, for every
// reader and cursor, on both of its query shapes.
import { beforeAll, describe, expect, it } from 'vitest'
import { parseSeedOptions, run as seed } from '../../src/commands/seed.js'
import { migrateTo, testContext } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()

/** The planning documents' feed with id as tie-breaker and the same keyset cursor. */
async function planFeed(reader: number, cursor?: { at: Date; id: number }) {
  const rows = await db.sql`
    select id from posts
    where user_id in (select following_id from user_follows where follower_id = ${reader})
      and status = 'published' and deleted_at is null
      and (${cursor ? cursor.at : null}::timestamptz is null or (created_at, id) < (${cursor ? cursor.at : null}::timestamptz, ${cursor ? cursor.id : null}::bigint))
    order by created_at desc, id desc
    limit 20`
  return rows.map((r) => r.id as number)
}

async function shippedFeed(reader: number, cursor?: { at: Date; id: number }) {
  const rows = await db.sql`
    select id, created_at from vrss_feed(${reader}, ${cursor ? cursor.at : null}, ${cursor ? cursor.id : null})`
  return rows as unknown as { id: number; created_at: Date }[]
}

/** Walks three pages with the cursor and compares every page with the plan's. */
async function expectSameFeed(reader: number) {
  let cursor: { at: Date; id: number } | undefined
  for (let page = 0; page < 3; page++) {
    const shipped = await shippedFeed(reader, cursor)
    expect(
      shipped.map((r) => r.id),
      `reader ${reader}, page ${page}`,
    ).toEqual(await planFeed(reader, cursor))
    const last = shipped[shipped.length - 1]
    if (!last) return
    cursor = { at: last.created_at, id: last.id }
  }
}

beforeAll(async () => {
  await migrateTo(db.sql, db.url)
  await seed(parseSeedOptions({ users: '120' }), testContext(db.sql, db.url))
})

describe('vrss_feed', () => {
  it("returns the plan's rows for every reader with followees, over three pages (few-followees shape)", async () => {
    const readers = await db.sql`select distinct follower_id as id from user_follows order by 1`
    expect(readers.length).toBeGreaterThan(50)
    for (const r of readers) await expectSameFeed(r.id as number)
  })

  it("returns the plan's rows for a reader with more than 1000 followees (recency-walk shape)", async () => {
    await db.sql`
      insert into users (username, email, password_hash)
      select 'bulk_' || g, 'bulk_' || g || '@feed.test', 'x' from generate_series(1, 1100) g`
    const [reader] = await db.sql`
      insert into users (username, email, password_hash) values ('feed_power', 'p@feed.test', 'x') returning id`
    await db.sql`
      insert into user_follows (follower_id, following_id)
      select ${reader?.id as number}, id from users where username like 'bulk\\_%' or id <= 60`
    await db.sql`
      insert into posts (user_id, type, content, published_at, created_at)
      select id, 'text_short', 'bulk', now(), '2025-12-31'::timestamptz - (id % 97) * interval '1 hour'
      from users where username like 'bulk\\_%'`
    const [count] =
      await db.sql`select count(*) as n from user_follows where follower_id = ${reader?.id as number}`
    expect(count?.n).toBeGreaterThan(1000)
    await expectSameFeed(reader?.id as number)
  })

  it('is empty for a reader who follows nobody', async () => {
    const [reader] = await db.sql`
      insert into users (username, email, password_hash) values ('feed_lonely', 'l@feed.test', 'x') returning id`
    expect(await shippedFeed(reader?.id as number)).toEqual([])
  })
})
