// Phase 006 on a populated database: rolled back and applied again, it keeps every row and
// value (the varchar → enum columns included) and gives exactly the catalog of a fresh apply.
import { describe, expect, it } from 'vitest'
import { run as rollback } from '../../src/commands/rollback.js'
import { parseSeedOptions, run as seed } from '../../src/commands/seed.js'
import type { Sql } from '../../src/lib/db/connect.js'
import { splitStatements } from '../../src/lib/db/sql-split.js'
import type { VrssError } from '../../src/lib/errors.js'
import { loadMigrations } from '../../src/lib/migrate/files.js'
import { compareWithContract, loadContract, readCatalog } from '../support/api-contract.js'
import { migrateTo, testContext } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()

/** The embedded phases above `to`, newest first: what a rollback to `to` reverts. */
const newestFirstAbove = (to: number) =>
  loadMigrations()
    .map((m) => m.version)
    .filter((v) => v > to)
    .reverse()

const rollbackTo = (sql: Sql, url: string, to: number, force = true) =>
  rollback(
    { migrations: loadMigrations(), lockWaitMs: 5000, lockTimeoutMs: 5000, to, force, yes: true },
    testContext(sql, url),
  )

/** What phase 006 must keep: row counts and the values of the columns it converts. */
async function contents(sql: Sql) {
  const [row] = await sql`
    select (select count(*) from users)::int as users,
           (select count(*) from posts)::int as posts,
           (select string_agg(status::text, ',' order by id) from users) as statuses,
           (select string_agg(visibility::text, ',' order by id) from posts) as post_visibility,
           (select md5(string_agg(updated_at::text, ',' order by id)) from posts) as post_updated_at,
           (select string_agg(visibility::text, ',' order by id) from user_profiles) as profile_visibility,
           (select count(*) from post_media)::int as media,
           (select sum(used_bytes) from storage_usage)::bigint as used_bytes`
  return row
}

describe('phase 007 (posts.visibility) stopped half-way', () => {
  it('the next migrate continues where it stopped; writes meanwhile keep their value', async () => {
    const { sql, url } = await db.createDatabase()
    await migrateTo(sql, url)
    await seed(parseSeedOptions({ users: '40' }), testContext(sql, url))
    expect((await rollbackTo(sql, url, 6)).reverted.map((p) => p.version)).toEqual(
      newestFirstAbove(6),
    )
    const [seeded] =
      await sql`select md5(string_agg(updated_at::text, ',' order by id)) as h, count(*)::int as n from posts`
    const [user] =
      await sql`insert into users (username, email, password_hash) values ('writer', 'w@example.test', 'x') returning id`
    await sql`insert into posts (user_id, type, content, published_at, visibility) values (${user?.id as number}, 'text_short', 'early', now(), 'private')`
    const before = await contents(sql)
    // Run only the first step (new column and triggers), as a run killed right after it would.
    const phase = loadMigrations().find((m) => m.version === 7)
    const [firstStep] = splitStatements(phase?.up ?? '')
    await sql.unsafe(firstStep?.sql ?? '')
    // The application goes on writing: a new post, a changed visibility.
    const [late] =
      await sql`insert into posts (user_id, type, content, published_at, visibility) values (${user?.id as number}, 'text_short', 'late', now(), 'followers') returning id`
    await sql`update posts set visibility = 'public' where content = 'early'`
    const result = await migrateTo(sql, url)
    expect(result.applied.map((p) => p.version)).toEqual(newestFirstAbove(6).reverse())
    const rows =
      await sql`select content, visibility::text as v from posts where user_id = ${user?.id as number} order by id`
    expect(rows.map((r) => `${r.content}:${r.v}`)).toEqual(['early:public', 'late:followers'])
    expect(late?.id).toBeGreaterThan(0)
    const after = await contents(sql)
    expect(after?.posts).toBe((before?.posts as number) + 1)
    // The backfill never made a post look edited.
    const [untouched] =
      await sql`select count(*)::int as n from posts where updated_at > now() - interval '1 minute' and content not in ('early', 'late')`
    expect(untouched?.n).toBe(0)
    expect(seeded?.n).toBeGreaterThan(100)
    expect(compareWithContract(loadContract(), await readCatalog(sql))).toEqual([])
    const leftovers =
      await sql`select tgname from pg_trigger where tgname = 'posts_visibility_next'`
    expect(leftovers).toEqual([])
  })
})

describe('phase 006 on a seeded database', () => {
  it('rolls back and applies again keeping every value; the catalog equals a fresh apply', async () => {
    const { sql, url } = await db.createDatabase()
    await migrateTo(sql, url)
    await seed(parseSeedOptions({ users: '60' }), testContext(sql, url))
    const before = await contents(sql)
    const fresh = await readCatalog(sql)

    const down = await rollbackTo(sql, url, 5)
    expect(down.reverted.map((p) => p.version)).toEqual(newestFirstAbove(5))
    const [old] = await sql`select format_type(atttypid, atttypmod) as type from pg_attribute
      where attrelid = 'posts'::regclass and attname = 'visibility'`
    expect(old?.type).toBe('character varying(20)')
    expect(await contents(sql)).toEqual(before)

    const up = await migrateTo(sql, url)
    expect(up.applied.map((p) => p.version)).toEqual(newestFirstAbove(5).reverse())
    expect(await contents(sql)).toEqual(before)
    expect(await readCatalog(sql)).toEqual(fresh)
    expect(compareWithContract(loadContract(), await readCatalog(sql))).toEqual([])
  })

  it('refuses to roll back while media without a post exists (the old shape cannot hold it)', async () => {
    const { sql, url } = await db.createDatabase()
    await migrateTo(sql, url)
    const [user] =
      await sql`insert into users (username, email, password_hash) values ('uploader', 'u@example.test', 'x') returning id`
    await sql`insert into post_media (user_id, type, file_url, file_size_bytes, mime_type)
      values (${user?.id as number}, 'image', 'https://cdn.example/a.png', 1000, 'image/png')`
    const err = await rollbackTo(sql, url, 5).catch((e: VrssError) => e)
    expect((err as VrssError).message).toContain('post_media has rows without a post')
    const [still] = await sql`select count(*)::int as n from schema_migrations where version = 6`
    expect(still?.n).toBe(1)
  })
})
