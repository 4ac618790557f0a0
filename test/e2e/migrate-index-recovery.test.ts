// Phase 005 runs outside a transaction (CREATE INDEX CONCURRENTLY). Whatever stops it — a lock
// timeout behind a writer, kill -9 of the runner — it reports what it left, and the next
// migrate finishes it by itself. INVALID indexes that are not the phase's own are not blamed on it.
import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { loadMigrations } from '../../src/lib/migrate/files.js'
import { BIN, cleanEnv, runCli } from '../support/cli.js'
import { useTestDatabase } from '../support/db.js'
import { makePost, makeUser } from '../support/fixtures.js'

const db = useTestDatabase()
// The feed indexes once every phase ran (phase 9 replaces phase 5's idx_posts_feed_recent).
const FEED_INDEXES = ['idx_posts_feed_author', 'idx_posts_feed_walk']

async function atPhase4() {
  const target = await db.createDatabase()
  const run = await runCli(['migrate', '--phase', '4', '--database-url', target.url])
  expect(run.code, run.stderr).toBe(0)
  const user = await makeUser(target.sql)
  await makePost(target.sql, user)
  return target
}

/** An open transaction that wrote to posts: a concurrent index build must wait for it. */
async function openWriter(target: { sql: typeof db.sql }) {
  const writer = await target.sql.reserve()
  await writer`begin`
  await writer`update posts set content = 'held' where id = (select min(id) from posts)`
  return {
    async end() {
      await writer`rollback`
      writer.release()
    },
  }
}

async function invalid(sql: typeof db.sql): Promise<string[]> {
  const rows = await sql`
    select c.relname from pg_index i join pg_class c on c.oid = i.indexrelid
    where not i.indisvalid order by 1`
  return rows.map((r) => r.relname as string)
}

describe('phase 005 stopped half-way', () => {
  it('a lock timeout says what it left; the next migrate rebuilds it and finishes', async () => {
    const target = await atPhase4()
    const writer = await openWriter(target)
    const failed = await runCli(['migrate', '--index-wait', '1s', '--database-url', target.url])
    await writer.end()
    expect(failed.code).toBe(1)
    expect(failed.stderr).not.toContain('nothing of it was applied')
    expect(failed.stderr).toContain('stopped half-way')
    expect(failed.stderr).toContain('idx_posts_feed_author (INVALID)')
    expect(failed.stderr).toContain('Run `vrss-db migrate` again')
    expect(failed.stderr).toContain('raise --index-wait')
    expect(await invalid(target.sql)).toEqual(['idx_posts_feed_author'])

    const again = await runCli(['migrate', '--database-url', target.url])
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).toContain('idx_posts_feed_author was left INVALID by an earlier run')
    expect(await invalid(target.sql)).toEqual([])
    const status = await runCli(['status', '--check', '--database-url', target.url])
    expect(status.code, status.stdout).toBe(0)
  })

  it('kill -9 while the build waits: the server stops it, and the next migrate finishes', async () => {
    const target = await atPhase4()
    const writer = await openWriter(target)
    const child = spawn(process.execPath, [BIN, 'migrate', '--database-url', target.url], {
      env: cleanEnv(),
      stdio: 'ignore',
    })
    // Wait until the build is in the catalog (INVALID while it waits for the writer).
    const deadline = Date.now() + 30_000
    while ((await invalid(target.sql)).length === 0) {
      if (Date.now() > deadline) throw new Error('the index build never started')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    child.kill('SIGKILL')
    // The runner's backend notices its client is gone and gives up (its locks go with it).
    const gone = Date.now() + 30_000
    for (;;) {
      const [row] = await target.sql`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and state = 'active'
          and query ilike 'create index concurrently%'`
      if (row?.n === 0) break
      if (Date.now() > gone) throw new Error('the dead runner kept its backend')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    await writer.end()
    const again = await runCli(['migrate', '--database-url', target.url])
    expect(again.code, again.stderr).toBe(0)
    expect(await invalid(target.sql)).toEqual([])
    const [row] = await target.sql`select count(*)::int as n from schema_migrations`
    expect(row?.n).toBe(loadMigrations().length)
  })

  it("an INVALID index that is not the phase's own does not fail it; status reports it", async () => {
    const target = await atPhase4()
    await target.sql`create table notes (id int)`
    await target.sql`insert into notes values (1), (1)`
    await target.sql`create unique index concurrently idx_notes_someone_else on notes (id)`.catch(
      () => undefined,
    )
    expect(await invalid(target.sql)).toEqual(['idx_notes_someone_else'])
    const run = await runCli(['migrate', '--database-url', target.url])
    expect(run.code, run.stderr).toBe(0)
    expect(await invalid(target.sql)).toEqual(['idx_notes_someone_else'])
    // Reported, but not a reason for a deploy gate to fail: it is not VRSS's.
    const status = await runCli(['status', '--check', '--database-url', target.url])
    expect(status.stdout).toContain(
      "INVALID indexes that are not VRSS's (left alone): idx_notes_someone_else",
    )
    expect(status.code).toBe(0)
  })

  it('a statement_timeout set on the database does not cut the index builds short', async () => {
    const target = await atPhase4()
    const [user] = await target.sql`select id from users limit 1`
    await target.sql.begin(async (tx) => {
      await tx`select set_config('session_replication_role', 'replica', true)`
      await tx`insert into posts (user_id, type, status, content, published_at) select ${user?.id as number}, 'text_short', 'published', 'x', now() from generate_series(1, 200000)`
    })
    await target.sql.unsafe(`alter database ${target.name} set statement_timeout = '5ms'`)
    const run = await runCli(['migrate', '--database-url', target.url])
    expect(run.code, run.stderr).toBe(0)
    for (const index of FEED_INDEXES) {
      const [row] = await target.sql`select to_regclass(${index}) is not null as ok`
      expect(row?.ok).toBe(true)
    }
  })
})
