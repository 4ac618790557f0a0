// The schema of docs/schema.md checked against the catalog and by behaviour.
import { beforeAll, describe, expect, it } from 'vitest'
import { PHASES } from '../../src/lib/schema/manifest.js'
import { migrateTo } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'
import { makeComment, makePost, makeUser } from '../support/fixtures.js'
import {
  EXPECTED_COLUMNS,
  EXPECTED_ENUMS,
  EXPECTED_FOREIGN_KEYS,
  EXPECTED_INDEXES,
} from './schema-expected.js'

const db = useTestDatabase()
const SPEC_PHASES = PHASES.filter((p) => p.version <= 5)
const VRSS_TABLES = SPEC_PHASES.flatMap((p) => p.tables)

// The planned schema as phases 001–005 build it; phase 006 (the API's names and tables) is
// checked against the API contract in api-contract.test.ts.
beforeAll(async () => {
  await migrateTo(db.sql, db.url, { phase: '5' })
})

async function columnsOf(table: string): Promise<string[]> {
  const rows = await db.sql`
    select a.attname as name, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as nn,
           a.attidentity as identity, pg_get_expr(d.adbin, d.adrelid) as default
    from pg_attribute a
    left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where a.attrelid = ${table}::regclass and a.attnum > 0 and not a.attisdropped
    order by a.attnum`
  return rows.map((c) => {
    const def = c.identity ? 'identity' : c.default?.replace(/::[a-z_ ]+(\(\d+\))?(\[\])?/g, '')
    return `${c.name} ${c.type}${c.nn ? ' NN' : ''}${def ? ` =${def}` : ''}`
  })
}

/** Runs an insert/update that must fail with the given SQLSTATE, inside a rolled-back savepoint. */
async function expectViolation(
  sqlstate: string,
  statement: (sql: typeof db.sql) => Promise<unknown>,
) {
  let code: string | undefined
  try {
    await db.sql.begin(async (tx) => {
      await statement(tx as unknown as typeof db.sql)
      throw new Error('statement unexpectedly succeeded')
    })
  } catch (err) {
    code = (err as { code?: string }).code
  }
  expect(code).toBe(sqlstate)
}

describe('tables and columns (docs/schema.md)', () => {
  it('has exactly the 21 VRSS tables plus schema_migrations', async () => {
    const rows =
      await db.sql`select tablename from pg_tables where schemaname = 'public' order by 1`
    expect(rows.map((r) => r.tablename).sort()).toEqual(
      [...VRSS_TABLES, 'schema_migrations'].sort(),
    )
  })

  it.each(Object.keys(EXPECTED_COLUMNS))(
    '%s has every column with its type, NOT NULL and default',
    async (table) => {
      expect(await columnsOf(table)).toEqual(EXPECTED_COLUMNS[table])
    },
  )

  it('every table has a comment', async () => {
    const rows = await db.sql`
      select c.relname from pg_class c
      where c.relname = any(${VRSS_TABLES as string[]}) and obj_description(c.oid, 'pg_class') is null`
    expect(rows.map((r) => r.relname)).toEqual([])
  })

  it('every id is a 64-bit identity primary key', async () => {
    const rows = await db.sql`
      select c.relname from pg_constraint k join pg_class c on c.oid = k.conrelid
      where k.contype = 'p' and c.relname = any(${VRSS_TABLES as string[]})
        and pg_get_constraintdef(k.oid) = 'PRIMARY KEY (id)'`
    expect(rows).toHaveLength(21)
  })

  it.each(Object.entries(EXPECTED_ENUMS))(
    'enum %s has exactly the planned labels in order',
    async (name, labels) => {
      const rows = await db.sql`
      select e.enumlabel from pg_enum e join pg_type t on t.oid = e.enumtypid
      where t.typname = ${name} order by e.enumsortorder`
      expect(rows.map((r) => r.enumlabel)).toEqual(labels)
    },
  )

  it('every foreign key points where docs/schema.md says, cascading unless noted', async () => {
    const rows = await db.sql`
      select c.relname || '.' || a.attname || ' -> ' || r.relname || ' ' ||
             case k.confdeltype when 'c' then 'cascade' when 'a' then 'no action' when 'r' then 'restrict'
                                when 'n' then 'set null' else 'other' end as fk
      from pg_constraint k
      join pg_class c on c.oid = k.conrelid
      join pg_class r on r.oid = k.confrelid
      join pg_attribute a on a.attrelid = k.conrelid and a.attnum = k.conkey[1]
      where k.contype = 'f'
      order by 1`
    expect(rows.map((r) => r.fk)).toEqual(EXPECTED_FOREIGN_KEYS)
  })
})

describe('CHECK constraints (by behaviour)', () => {
  let userId = 0
  let postId = 0
  beforeAll(async () => {
    userId = await makeUser(db.sql, 'check_owner')
    postId = await makePost(db.sql, userId)
  })

  const cases: [string, string, (sql: typeof db.sql) => Promise<unknown>][] = [
    [
      'username too short',
      '23514',
      (s) => s`insert into users (username, email, password_hash) values ('ab', 'a@x', 'x')`,
    ],
    [
      'username with a dash',
      '23514',
      (s) => s`insert into users (username, email, password_hash) values ('a-b-c', 'b@x', 'x')`,
    ],
    [
      'unknown user status',
      '23514',
      (s) =>
        s`insert into users (username, email, password_hash, status) values ('abc', 'c@x', 'x', 'gone')`,
    ],
    [
      'profile age 12',
      '23514',
      (s) => s`insert into user_profiles (user_id, age) values (${userId}, 12)`,
    ],
    [
      'profile age 121',
      '23514',
      (s) => s`insert into user_profiles (user_id, age) values (${userId}, 121)`,
    ],
    [
      'profile visibility',
      '23514',
      (s) => s`insert into user_profiles (user_id, visibility) values (${userId}, 'friends')`,
    ],
    [
      'tier with 0 bytes',
      '23514',
      (s) =>
        s`insert into subscription_tiers (name, storage_bytes, price_monthly_cents) values ('Zero', 0, 0)`,
    ],
    [
      'tier with a negative price',
      '23514',
      (s) =>
        s`insert into subscription_tiers (name, storage_bytes, price_monthly_cents) values ('Neg', 1, -1)`,
    ],
    [
      'text post without content',
      '23514',
      (s) => s`insert into posts (user_id, type, status) values (${userId}, 'text_short', 'draft')`,
    ],
    [
      'published post without published_at',
      '23514',
      (s) => s`insert into posts (user_id, type, content) values (${userId}, 'image', 'x')`,
    ],
    [
      'negative likes_count',
      '23514',
      (s) => s`update posts set likes_count = -1 where id = ${postId}`,
    ],
    [
      'media of 0 bytes',
      '23514',
      (s) =>
        s`insert into post_media (post_id, user_id, type, file_url, file_size_bytes, mime_type) values (${postId}, ${userId}, 'image', 'u', 0, 'image/png')`,
    ],
    [
      'self follow',
      '23514',
      (s) => s`insert into user_follows (follower_id, following_id) values (${userId}, ${userId})`,
    ],
    [
      'friendship with the larger id first',
      '23514',
      (s) => s`insert into friendships (user_id_1, user_id_2) values (${userId + 1}, ${userId})`,
    ],
    [
      'blank comment',
      '23514',
      (s) =>
        s`insert into comments (post_id, user_id, content) values (${postId}, ${userId}, '   ')`,
    ],
    [
      'blank section title',
      '23514',
      (s) => s`insert into profile_sections (user_id, type, title) values (${userId}, 'feed', ' ')`,
    ],
    [
      'unknown section content type',
      '23514',
      (s) =>
        s`with sec as (insert into profile_sections (user_id, type, title) values (${userId}, 'links', 'L') returning id) insert into section_content (section_id, content_type) select id, 'video' from sec`,
    ],
    [
      'conversation with one participant',
      '23514',
      (s) => s`insert into conversations (participant_ids) values (${[userId]})`,
    ],
    [
      'blank notification title',
      '23514',
      (s) => s`insert into notifications (user_id, type, title) values (${userId}, 'system', '')`,
    ],
    [
      'unknown post type',
      '22P02',
      (s) => s`insert into posts (user_id, type, content) values (${userId}, 'poem', 'x')`,
    ],
    [
      'feed without algorithm_config',
      '23502',
      (s) => s`insert into custom_feeds (user_id, name) values (${userId}, 'f')`,
    ],
  ]
  it.each(cases)('rejects %s', async (_name, sqlstate, statement) => {
    await expectViolation(sqlstate, statement)
  })

  it('rejects a feed filter with an unknown logical operator', async () => {
    const [feed] = await db.sql`
      insert into custom_feeds (user_id, name, algorithm_config) values (${userId}, 'Videos', '{}') returning id`
    await expectViolation(
      '23514',
      (s) => s`
      insert into feed_filters (feed_id, type, operator, value, logical_operator)
      values (${feed?.id}, 'post_type', 'equals', '"video_short"', 'XOR')`,
    )
  })

  it('rejects a blank message', async () => {
    const other = await makeUser(db.sql)
    const [conv] =
      await db.sql`insert into conversations (participant_ids) values (${[userId, other]}) returning id`
    await expectViolation(
      '23514',
      (s) => s`
      insert into messages (conversation_id, sender_id, content) values (${conv?.id}, ${userId}, ' ')`,
    )
  })
})

describe('UNIQUE constraints', () => {
  it('rejects duplicate usernames, emails, follows, likes, reposts, friendships, list members, feed names', async () => {
    const a = await makeUser(db.sql, 'uniq_a')
    const b = await makeUser(db.sql, 'uniq_b')
    const post = await makePost(db.sql, a)
    await db.sql`insert into user_follows (follower_id, following_id) values (${a}, ${b})`
    await db.sql`insert into post_interactions (user_id, post_id, type) values (${b}, ${post}, 'like')`
    await db.sql`insert into reposts (user_id, post_id) values (${b}, ${post})`
    const [list] =
      await db.sql`insert into user_lists (user_id, name) values (${a}, 'L') returning id`
    await db.sql`insert into list_members (list_id, member_user_id) values (${list?.id}, ${b})`
    await db.sql`insert into custom_feeds (user_id, name, algorithm_config) values (${a}, 'Mine', '{}')`
    const duplicates: [(s: typeof db.sql) => Promise<unknown>][] = [
      [
        (s) =>
          s`insert into users (username, email, password_hash) values ('uniq_a', 'new@x', 'x')`,
      ],
      [
        (s) =>
          s`insert into users (username, email, password_hash) values ('uniq_new', 'uniq_a@example.test', 'x')`,
      ],
      [(s) => s`insert into user_follows (follower_id, following_id) values (${a}, ${b})`],
      [
        (s) =>
          s`insert into post_interactions (user_id, post_id, type) values (${b}, ${post}, 'like')`,
      ],
      [(s) => s`insert into reposts (user_id, post_id) values (${b}, ${post})`],
      [(s) => s`insert into friendships (user_id_1, user_id_2) values (${a}, ${b}), (${a}, ${b})`],
      [(s) => s`insert into list_members (list_id, member_user_id) values (${list?.id}, ${b})`],
      [
        (s) =>
          s`insert into custom_feeds (user_id, name, algorithm_config) values (${a}, 'Mine', '{}')`,
      ],
      [(s) => s`insert into user_lists (user_id, name) values (${a}, 'L')`],
    ]
    for (const [statement] of duplicates) await expectViolation('23505', statement)
    // A bookmark next to the like is a different interaction.
    await db.sql`insert into post_interactions (user_id, post_id, type) values (${b}, ${post}, 'bookmark')`
  })
})

describe('cascades', () => {
  it('deleting a user removes everything of theirs, and only that', async () => {
    const victim = await makeUser(db.sql, 'cascade_victim')
    const other = await makeUser(db.sql, 'cascade_other')
    const post = await makePost(db.sql, victim)
    const otherPost = await makePost(db.sql, other)
    await makeComment(db.sql, otherPost, victim)
    await db.sql`insert into user_profiles (user_id) values (${victim})`
    await db.sql`insert into user_follows (follower_id, following_id) values (${victim}, ${other}), (${other}, ${victim})`
    await db.sql`insert into post_interactions (user_id, post_id, type) values (${other}, ${post}, 'like')`
    await db.sql`insert into notifications (user_id, type, actor_id, title) values (${other}, 'follow', ${victim}, 'hi')`
    await db.sql`delete from users where id = ${victim}`
    const [left] = await db.sql`
      select (select count(*) from posts where user_id = ${victim}) as posts,
             (select count(*) from user_profiles where user_id = ${victim}) as profiles,
             (select count(*) from storage_usage where user_id = ${victim}) as storage,
             (select count(*) from user_follows where ${victim} in (follower_id, following_id)) as follows,
             (select count(*) from friendships where ${victim} in (user_id_1, user_id_2)) as friendships,
             (select count(*) from comments where user_id = ${victim}) as comments,
             (select count(*) from notifications where actor_id = ${victim}) as notifications,
             (select count(*) from posts where id = ${otherPost}) as other_post`
    expect(left).toEqual({
      posts: 0,
      profiles: 0,
      storage: 0,
      follows: 0,
      friendships: 0,
      comments: 0,
      notifications: 0,
      other_post: 1,
    })
    // The other user's post lost the victim's comment from its counter too.
    const [counts] = await db.sql`select comments_count from posts where id = ${otherPost}`
    expect(counts?.comments_count).toBe(0)
  })

  it('deleting a comment removes its replies; deleting a post removes its comments and media', async () => {
    const u = await makeUser(db.sql)
    const post = await makePost(db.sql, u)
    const top = await makeComment(db.sql, post, u)
    await makeComment(db.sql, post, u, top)
    await db.sql`delete from comments where id = ${top}`
    const [{ n } = { n: -1 }] =
      await db.sql`select count(*) as n from comments where post_id = ${post}`
    expect(n).toBe(0)
  })

  it('a subscription tier in use cannot be deleted (no cascade)', async () => {
    const u = await makeUser(db.sql)
    const [tier] = await db.sql`
      insert into subscription_tiers (name, storage_bytes, price_monthly_cents) values ('Tmp', 10, 0) returning id`
    await db.sql`
      insert into user_subscriptions (user_id, tier_id, current_period_start, current_period_end)
      values (${u}, ${tier?.id}, now(), now() + interval '30 days')`
    await expectViolation('23503', (s) => s`delete from subscription_tiers where id = ${tier?.id}`)
  })
})

describe('indexes (docs/schema.md)', () => {
  it('has 30+ indexes named idx_*', async () => {
    const [row] =
      await db.sql`select count(*) as n from pg_indexes where schemaname = 'public' and indexname like 'idx_%'`
    expect(row?.n).toBeGreaterThanOrEqual(30)
  })

  it.each(Object.entries(EXPECTED_INDEXES))(
    '%s exists with the right columns, predicate and method',
    async (name, spec) => {
      const [row] =
        await db.sql`select indexdef from pg_indexes where schemaname = 'public' and indexname = ${name}`
      expect(row, `${name} is missing`).toBeDefined()
      const def = row?.indexdef as string
      expect(def).toContain(`(${spec.columns})`)
      if (spec.where) expect(def).toContain('WHERE')
      if (spec.where) expect(def).toContain(spec.where)
      if (spec.gin) expect(def).toContain('USING gin')
      if (spec.unique) expect(def).toMatch(/^CREATE UNIQUE INDEX/)
    },
  )

  it('creates exactly the indexes and triggers the manifest lists (status relies on it)', async () => {
    const indexes =
      await db.sql`select indexname from pg_indexes where schemaname = 'public' and indexname like 'idx_%'`
    expect(indexes.map((r) => r.indexname).sort()).toEqual(
      SPEC_PHASES.flatMap((p) => p.indexes).sort(),
    )
    const triggers = await db.sql`
      select c.relname || '.' || t.tgname || ' ' || p.proname as t
      from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_proc p on p.oid = t.tgfoid
      where not t.tgisinternal`
    expect(triggers.map((r) => r.t).sort()).toEqual(
      SPEC_PHASES.flatMap((p) =>
        p.triggers.map((t) => `${t.table}.${t.name} ${t.function}`),
      ).sort(),
    )
  })
})
