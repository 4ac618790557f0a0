// vrss-db seed: the docs/seed.md dataset, determinism, JSONB validity, exact counters.
import { beforeAll, describe, expect, it } from 'vitest'
import { parseSeedOptions, run as seed } from '../../src/commands/seed.js'
import type { Sql } from '../../src/lib/db/connect.js'
import { VrssError } from '../../src/lib/errors.js'
import {
  algorithmConfigSchema,
  backgroundConfigSchema,
  feedFilterSchema,
  layoutConfigSchema,
  musicConfigSchema,
  styleConfigSchema,
} from '../../src/schemas.js'
import { migrateTo, testContext } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'
import { dumpVrssTables, NO_DRIFT } from '../support/seed.js'

const db = useTestDatabase()
const seedInto = (sql: Sql, url: string, raw: Record<string, unknown> = {}) =>
  seed(parseSeedOptions(raw), testContext(sql, url))

describe('seed --users 20 (docs/seed.md)', () => {
  beforeAll(async () => {
    await migrateTo(db.sql, db.url)
    const result = await seedInto(db.sql, db.url, { users: '20' })
    expect(result.drift).toEqual(NO_DRIFT)
  })

  const one = async (query: string) => Number((await db.sql.unsafe(query))[0]?.n)

  it('20 users: 5 popular (most followed), 3 new, 2 suspended', async () => {
    expect(await one('select count(*) as n from users')).toBe(20)
    expect(await one("select count(*) as n from users where status = 'suspended'")).toBe(2)
    expect(
      await one(
        "select count(*) as n from users where created_at > '2026-01-01'::timestamptz - interval '8 days'",
      ),
    ).toBe(3)
    const top5 = await db.sql`
      select following_id from user_follows group by following_id order by count(*) desc, following_id limit 5`
    expect(top5.filter((r) => r.following_id <= 5).length).toBeGreaterThanOrEqual(3)
  })

  it('profiles: 10 custom backgrounds, 5 with music, 15 with bio and display name, visibility mixed', async () => {
    expect(
      await one("select count(*) as n from user_profiles where background_config <> '{}'"),
    ).toBe(10)
    expect(
      await one('select count(*) as n from user_profiles where music_config is not null'),
    ).toBe(5)
    expect(
      await one(
        'select count(*) as n from user_profiles where bio is not null and display_name is not null',
      ),
    ).toBe(15)
    expect(
      await one('select count(distinct visibility) as n from user_profiles'),
    ).toBeGreaterThanOrEqual(2)
  })

  it('posts: 100+ with the type mix of docs/seed.md, 60% from popular users', async () => {
    const rows = await db.sql`select type::text, count(*) as n from posts group by 1 order by 1`
    expect(Object.fromEntries(rows.map((r) => [r.type, r.n]))).toEqual({
      album: 5,
      image: 20,
      image_gallery: 10,
      song: 5,
      text_long: 20,
      text_short: 20,
      video_long: 5,
      video_short: 15,
    })
    expect(await one('select count(*) as n from posts where user_id <= 5')).toBe(60)
  })

  it('social graph: 50+ follows, 10 mutual pairs = 10 friendships, 200+ likes, 100+ comments with replies, 20+ reposts', async () => {
    expect(await one('select count(*) as n from user_follows')).toBeGreaterThanOrEqual(50)
    expect(await one('select count(*) as n from friendships')).toBe(10)
    expect(
      await one("select count(*) as n from post_interactions where type = 'like'"),
    ).toBeGreaterThanOrEqual(200)
    expect(await one('select count(*) as n from comments')).toBeGreaterThanOrEqual(100)
    expect(
      await one('select count(*) as n from comments where parent_comment_id is not null'),
    ).toBeGreaterThan(0)
    expect(await one('select count(*) as n from reposts')).toBeGreaterThanOrEqual(20)
  })

  it('popular posts reach 20 likes; posts of new users have 0–5', async () => {
    expect(await one('select max(likes_count) as n from posts')).toBeGreaterThanOrEqual(20)
    expect(
      await one(
        'select max(p.likes_count) as n from posts p join users u on u.id = p.user_id where u.id between 6 and 8',
      ),
    ).toBeLessThanOrEqual(5)
  })

  it('50 media files of 100 KB–10 MB; 2 users near their quota, nobody over it', async () => {
    expect(await one('select count(*) as n from post_media')).toBe(50)
    expect(
      await one(
        'select count(*) as n from post_media where file_size_bytes not between 102400 and 10485760',
      ),
    ).toBe(0)
    expect(
      await one('select count(*) as n from storage_usage where used_bytes > 0.9 * quota_bytes'),
    ).toBe(2)
    expect(
      await one('select count(*) as n from storage_usage where used_bytes > quota_bytes'),
    ).toBe(0)
  })

  it('10 custom feeds with filters, 15 users with sections, lists, conversations, messages, notifications, all 4 tiers', async () => {
    expect(await one('select count(*) as n from custom_feeds')).toBe(10)
    expect(
      await one(
        "select count(*) as n from custom_feeds where name in ('Only Videos', 'Friends Only', 'Popular Last Week')",
      ),
    ).toBeGreaterThanOrEqual(3)
    expect(await one('select count(*) as n from feed_filters')).toBeGreaterThanOrEqual(10)
    expect(await one('select count(distinct user_id) as n from profile_sections')).toBe(15)
    for (const table of [
      'user_lists',
      'list_members',
      'conversations',
      'messages',
      'notifications',
      'user_subscriptions',
    ]) {
      expect(await one(`select count(*) as n from ${table}`), table).toBeGreaterThan(0)
    }
    const tiers = await db.sql`select name from subscription_tiers order by storage_bytes`
    expect(tiers.map((t) => t.name)).toEqual(['Free', 'Basic', 'Pro', 'Premium'])
  })

  it('every JSONB value passes the zod schemas of src/schemas.ts', async () => {
    const profiles =
      await db.sql`select background_config, music_config, style_config, layout_config from user_profiles`
    for (const p of profiles) {
      if (Object.keys(p.background_config).length > 0)
        backgroundConfigSchema.parse(p.background_config)
      if (p.music_config) musicConfigSchema.parse(p.music_config)
      styleConfigSchema.parse(p.style_config)
      layoutConfigSchema.parse(p.layout_config)
    }
    for (const f of await db.sql`select algorithm_config from custom_feeds`)
      algorithmConfigSchema.parse(f.algorithm_config)
    for (const f of await db.sql`select type::text, operator::text, value from feed_filters`)
      feedFilterSchema.parse(f)
  })

  it('leaves every trigger enabled', async () => {
    expect(
      await one("select count(*) as n from pg_trigger where not tgisinternal and tgenabled = 'D'"),
    ).toBe(0)
  })

  it('refuses to seed again without --append, and --append adds users next to them', async () => {
    const err = await seedInto(db.sql, db.url, { users: '20' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(VrssError)
    expect((err as VrssError).message).toContain('already has users')
    const appended = await seedInto(db.sql, db.url, { users: '5', append: true, seed: '7' })
    expect(appended.drift.likes_count + appended.drift.storage_usage).toBe(0)
    expect(await one('select count(*) as n from users')).toBe(25)
    // The reference tiers were seeded twice and are still exactly four.
    expect(await one('select count(*) as n from subscription_tiers')).toBe(4)
  })
})

describe('seed determinism and scale', () => {
  it('--reset empties the tables that have no key to users, even in a database without users', async () => {
    const { sql, url } = await db.createDatabase()
    await migrateTo(sql, url)
    await sql`insert into verification_tokens (identifier, token, expires)
              values ('old@test.invalid', 'stale-token', now())`
    await seedInto(sql, url, { users: '20', reset: true, yes: true })
    const [row] =
      await sql`select count(*)::int as n from verification_tokens where token = 'stale-token'`
    expect(row?.n).toBe(0)
    expect(await sql`select 1 from users`).toHaveLength(20)
  })

  it('the same seed gives an identical dump; another seed does not', async () => {
    const a = await db.createDatabase()
    const b = await db.createDatabase()
    const c = await db.createDatabase()
    for (const target of [a, b, c]) await migrateTo(target.sql, target.url)
    await seedInto(a.sql, a.url, { users: '30', seed: '5' })
    await seedInto(b.sql, b.url, { users: '30', seed: '5' })
    await seedInto(c.sql, c.url, { users: '30', seed: '6' })
    const dumpA = await dumpVrssTables(a.sql)
    expect(dumpA.length).toBeGreaterThan(10_000)
    expect(await dumpVrssTables(b.sql)).toBe(dumpA)
    expect(await dumpVrssTables(c.sql)).not.toBe(dumpA)
  })

  it('at 300 users every counter and storage total is exact, and the reference tiers are idempotent', async () => {
    const target = await db.createDatabase()
    await migrateTo(target.sql, target.url)
    const result = await seedInto(target.sql, target.url, { users: '300' })
    expect(Object.values(result.drift).every((n) => Number(n) === 0)).toBe(true)
    expect(result.feedUsers.typical.length).toBeGreaterThan(0)
    const [tiers] = await target.sql`select count(*) as n from subscription_tiers`
    expect(tiers?.n).toBe(4)
  })

  it('says to migrate first on an empty database', async () => {
    const target = await db.createDatabase()
    const err = await seedInto(target.sql, target.url).catch((e: unknown) => e)
    expect((err as VrssError).message).toContain('is not migrated')
    expect((err as VrssError).hint).toContain('vrss-db migrate')
  })
})

describe('seed option parsing', () => {
  it.each([['0'], ['-3'], ['abc'], ['1.5']])('--users %s is a usage error', (users) => {
    expect(() => parseSeedOptions({ users })).toThrow(/--users/)
  })
  it('--seed x is a usage error', () => {
    expect(() => parseSeedOptions({ seed: 'x' })).toThrow(/--seed/)
  })
  it('a huge --users needs --yes', () => {
    expect(() => parseSeedOptions({ users: '5000000' })).toThrow(/--yes/)
    expect(parseSeedOptions({ users: '5000000', yes: true }).users).toBe(5_000_000)
  })
})

describe('near-quota users, whatever the seed', () => {
  it.each([[7], [1], [2], [99]])('--seed %i gives 2 Free users at 90–99% of 50 MB', async (n) => {
    const { sql, url } = await db.createDatabase()
    await migrateTo(sql, url)
    await seedInto(sql, url, { users: '20', seed: String(n) })
    const rows = await sql`
      select quota_bytes from storage_usage
      where used_bytes between 0.9 * quota_bytes and 0.99 * quota_bytes`
    expect(rows.map((r) => Number(r.quota_bytes))).toEqual([52_428_800, 52_428_800])
  })
})
