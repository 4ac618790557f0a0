// Phase 006 on a populated database: rolled back and applied again, it keeps every row and
// value (the varchar → enum columns included) and gives exactly the catalog of a fresh apply.
import { describe, expect, it } from 'vitest'
import { run as rollback } from '../../src/commands/rollback.js'
import { parseSeedOptions, run as seed } from '../../src/commands/seed.js'
import type { Sql } from '../../src/lib/connect.js'
import type { VrssError } from '../../src/lib/errors.js'
import { loadMigrations } from '../../src/lib/migrations.js'
import { compareWithContract, loadContract, readCatalog } from '../support/api-contract.js'
import { migrateTo, testContext } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()

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
           (select string_agg(visibility::text, ',' order by id) from user_profiles) as profile_visibility,
           (select count(*) from post_media)::int as media,
           (select sum(used_bytes) from storage_usage)::bigint as used_bytes`
  return row
}

describe('phase 006 on a seeded database', () => {
  it('rolls back and applies again keeping every value; the catalog equals a fresh apply', async () => {
    const { sql, url } = await db.createDatabase()
    await migrateTo(sql, url)
    await seed(parseSeedOptions({ users: '60' }), testContext(sql, url))
    const before = await contents(sql)
    const fresh = await readCatalog(sql)

    const down = await rollbackTo(sql, url, 5)
    expect(down.reverted.map((p) => p.version)).toEqual([6])
    const [old] = await sql`select format_type(atttypid, atttypmod) as type from pg_attribute
      where attrelid = 'posts'::regclass and attname = 'visibility'`
    expect(old?.type).toBe('character varying(20)')
    expect(await contents(sql)).toEqual(before)

    const up = await migrateTo(sql, url)
    expect(up.applied.map((p) => p.version)).toEqual([6])
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
