// The streamed seed (more than STREAM_MIN_USERS users): exact counters, friendships exactly the
// mutual follows, determinism (in-thread and in the worker thread alike), append and the
// vrss_seed_loads bookkeeping. Speed and memory are measured in bench/seed-scale.mjs.
import { existsSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { parseSeedOptions, run as seed } from '../../src/commands/seed.js'
import type { Sql } from '../../src/lib/db/connect.js'
import { VrssError } from '../../src/lib/errors.js'
import { VRSS_TABLES } from '../../src/lib/schema/manifest.js'
import { planFor } from '../../src/lib/seed/plan.js'
import { STREAM_MIN_USERS } from '../../src/lib/seed/seed.js'
import { prepareStream } from '../../src/lib/seed/stream-generate.js'
import { sliceBounds } from '../../src/lib/seed/stream-small.js'
import { closeTestConnections, migrateTo, testContext } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'
import { dumpVrssTables, NO_DRIFT } from '../support/seed.js'

const db = useTestDatabase()
const USERS = STREAM_MIN_USERS + 200
const seedInto = (sql: Sql, url: string, raw: Record<string, unknown> = {}) =>
  seed(parseSeedOptions(raw), testContext(sql, url))

afterAll(closeTestConnections)

const count = async (sql: Sql, query: string) => Number((await sql.unsafe(query))[0]?.n)

describe(`seed --users ${USERS} (streamed)`, () => {
  it('loads exact counters, friendships = mutual follows, and the same data for the same seed', async () => {
    const a = await db.createDatabase()
    const b = await db.createDatabase()
    for (const target of [a, b]) await migrateTo(target.sql, target.url)
    const result = await seedInto(a.sql, a.url, { users: String(USERS), seed: '3' })
    expect(result.drift).toEqual(NO_DRIFT)
    expect(result.timings.strategy).toBe('parallel')
    expect(await count(a.sql, 'select count(*) as n from users')).toBe(USERS)
    const plan = planFor(USERS)
    expect(await count(a.sql, 'select count(*) as n from posts')).toBe(plan.posts)
    // Every friendship is a mutual pair and every mutual pair a friendship (the drift above
    // checks one direction).
    expect(
      await count(
        a.sql,
        `select count(*) as n from friendships f where not exists (
           select 1 from user_follows x join user_follows y
             on y.follower_id = x.following_id and y.following_id = x.follower_id
           where x.follower_id = f.user_id_1 and x.following_id = f.user_id_2)`,
      ),
    ).toBe(0)
    const friendships = await count(a.sql, 'select count(*) as n from friendships')
    expect(friendships).toBeGreaterThan(plan.mutualPairs * 0.8)
    // The counts the outcome reports are the rows in the tables.
    for (const t of result.tables) {
      expect(await count(a.sql, `select count(*) as n from ${t.table}`), t.table).toBe(t.rows)
    }
    // The tables made slice by slice of users: exactly the plan's rows, and every reference
    // (ids go on from slice to slice) points at a row of the right parent.
    expect(sliceBounds(USERS).length).toBeGreaterThan(2)
    expect(await count(a.sql, 'select count(*) as n from custom_feeds')).toBe(plan.customFeeds)
    expect(await count(a.sql, 'select count(*) as n from user_lists')).toBe(plan.lists)
    expect(await count(a.sql, 'select count(*) as n from conversations')).toBe(plan.conversations)
    expect(await count(a.sql, 'select count(*) as n from user_subscriptions')).toBe(
      plan.subscriptions,
    )
    for (const orphans of [
      'select count(*) as n from feed_filters f left join custom_feeds c on c.id = f.feed_id where c.id is null',
      'select count(*) as n from list_members m left join user_lists l on l.id = m.list_id where l.id is null',
      'select count(*) as n from messages m join conversations c on c.id = m.conversation_id where not m.sender_id = any (c.participant_ids)',
      'select count(*) as n from messages m left join conversations c on c.id = m.conversation_id where c.id is null',
      'select count(*) as n from custom_feeds f left join users u on u.id = f.user_id where u.id is null',
    ])
      expect(await count(a.sql, orphans), orphans).toBe(0)
    // Nothing left to undo.
    expect(await count(a.sql, 'select count(*) as n from vrss_seed_loads')).toBe(0)
    await seedInto(b.sql, b.url, { users: String(USERS), seed: '3' })
    expect(await dumpVrssTables(b.sql)).toBe(await dumpVrssTables(a.sql))
    // Sequences are past every id: the application's next insert works.
    await a.sql`insert into users (username, email, password_hash) values ('after', 'after@app.invalid', 'x')`
    expect(result.feedUsers.power.length).toBeGreaterThan(0)
    const [power] = await a.sql`
      select count(*)::int as n from user_follows where follower_id = ${result.feedUsers.power[0] as number}`
    expect(power?.n).toBe(plan.powerFollowees)
  }, 180_000)

  it('--append streams into a seeded database in one transaction, still exact', async () => {
    const { sql, url } = await db.createDatabase()
    await migrateTo(sql, url)
    await seedInto(sql, url, { users: String(USERS), seed: '1' })
    const appended = await seedInto(sql, url, { users: String(USERS), seed: '2', append: true })
    expect(appended.timings.strategy).toBe('single-transaction')
    expect(appended.drift).toEqual(NO_DRIFT)
    expect(await count(sql, 'select count(*) as n from users')).toBe(2 * USERS)
    expect(await count(sql, 'select count(distinct username) as n from users')).toBe(2 * USERS)
  }, 180_000)
})

describe('a session reading the VRSS tables while the seed starts', () => {
  it('makes the seed wait at most lock_timeout, never forever; the next seed cleans up', async () => {
    const { sql, url } = await db.createDatabase()
    await migrateTo(sql, url)
    // A reader that holds one table and would wait for another: before the fix, the load
    // locked some tables, the reader waited for one of them while holding user_follows, and
    // the load's user_follows transaction waited for the reader: stalled for good.
    const reader = await sql.reserve()
    try {
      await reader`begin`
      await reader`select count(*) from user_follows`
      const started = performance.now()
      const err = await seedInto(sql, url, { users: String(USERS) }).catch((e: unknown) => e)
      expect((err as VrssError).code).toBe('SEED_LOCKED')
      expect((err as VrssError).message).toContain('user_follows')
      expect(performance.now() - started).toBeLessThan(60_000)
    } finally {
      await reader`rollback`
      reader.release()
    }
    expect(await count(sql, 'select count(*) as n from posts')).toBe(0)
    const again = await seedInto(sql, url, { users: '20' })
    expect(again.drift).toEqual(NO_DRIFT)
    expect(await count(sql, 'select count(*) as n from users')).toBe(20)
    expect(await count(sql, 'select count(*) as n from vrss_seed_loads')).toBe(0)
  }, 120_000)
})

describe('a seed that cannot finish', () => {
  it('is refused before anything is written or emptied, with the reason', async () => {
    const { sql, url } = await db.createDatabase()
    await migrateTo(sql, url)
    await seedInto(sql, url, { users: '20' })
    const err = await seedInto(sql, url, { users: '2000000', yes: true, reset: true }).catch(
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(VrssError)
    expect((err as VrssError).code).toBe('SEED_TOO_LARGE')
    expect((err as VrssError).message).toContain('1,000,000 at most')
    expect(await count(sql, 'select count(*) as n from users')).toBe(20)
  })
})

describe('streamed generation', () => {
  const tiers = [
    { id: 1, name: 'Free', storage_bytes: 52_428_800 },
    { id: 2, name: 'Pro', storage_bytes: 10_737_418_240 },
  ]
  const ids = Object.fromEntries(VRSS_TABLES.map((t) => [t, 1])) as never
  const all = async (chunks: AsyncGenerator<Map<string, string>>) => {
    const text: string[] = []
    for await (const chunk of chunks) for (const [table, rows] of chunk) text.push(table, rows)
    return text.join('\n')
  }

  it('the worker thread (compiled) makes exactly the chunks the in-thread generator makes', async () => {
    const compiled = new URL('../../dist/lib/seed/stream-generate.js', import.meta.url)
    if (!existsSync(compiled)) throw new Error('run `npm run build` first: dist/ is missing')
    const { prepareStream: compiledPrepare } = await import(compiled.href)
    const inThread = await prepareStream(planFor(USERS), 9, ids, tiers)
    const inWorker = await compiledPrepare(planFor(USERS), 9, ids, tiers)
    const expected = await all(inThread.chunks())
    expect(expected.length).toBeGreaterThan(1_000_000)
    expect(await all(inWorker.chunks())).toBe(expected)
    expect(Object.fromEntries(inWorker.counts)).toEqual(Object.fromEntries(inThread.counts))
  }, 120_000)
})
