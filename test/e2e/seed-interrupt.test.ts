// An interrupted seed never leaves a half-state behind that nobody notices: the parallel load
// is recorded, `status --check` reports what it left, and the next seed removes it by itself.
// --reset never reaches into tables that are not VRSS's.
import { spawn } from 'node:child_process'
import { beforeAll, describe, expect, it } from 'vitest'
import { BIN, cleanEnv, runCli } from '../support/cli.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()

beforeAll(async () => {
  const migrated = await runCli(['migrate', '--database-url', db.url])
  expect(migrated.code, migrated.stderr).toBe(0)
})

/** A fresh migrated database of its own. */
async function freshDatabase() {
  const fresh = await db.createDatabase()
  const migrated = await runCli(['migrate', '--database-url', fresh.url])
  expect(migrated.code, migrated.stderr).toBe(0)
  return fresh
}

/**
 * Starts a big seed and kills it with `signal` half-way: its load is recorded, the tables made
 * before the stream are committed, and the follow graph is streaming. (Asked without reading
 * the tables: the load holds their locks until it commits them all at the end.)
 */
async function interruptedSeed(
  target: { url: string; sql: typeof db.sql },
  signal: NodeJS.Signals,
): Promise<number | null> {
  const args = [BIN, 'seed', '--users', '2000', '--database-url', target.url]
  const child = spawn(process.execPath, args, {
    env: cleanEnv(),
    stdio: 'ignore',
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const deadline = Date.now() + 60_000
  for (;;) {
    const [row] = await target.sql`
      select exists (select 1 from pg_tables where tablename = 'vrss_seed_loads')
         and exists (select 1 from pg_stat_progress_copy
                     where datid = (select oid from pg_database where datname = current_database())
                       and relid = 'user_follows'::regclass and tuples_processed > 0) as partial`
    if (row?.partial) break
    if (Date.now() > deadline) throw new Error('the seed never committed a table')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  child.kill(signal)
  return exited
}

async function rowCounts(sql = db.sql) {
  const [row] = await sql`
    select (select count(*) from users)::int as users, (select count(*) from posts)::int as posts,
           (select count(*) from user_follows)::int as follows`
  return row
}

describe('seed interrupted half-way', () => {
  it('kill -9: status --check reports the unfinished load, the next seed removes it and finishes', async () => {
    const target = await freshDatabase()
    await interruptedSeed(target, 'SIGKILL')
    const status = await runCli(['status', '--check', '--json', '--database-url', target.url])
    expect(status.code).toBe(3)
    const report = JSON.parse(status.stdout)
    expect(report.findings.join(' ')).toContain('unfinished seed load')
    expect(report.findings.join(' ')).toContain('the next `vrss-db seed` removes what it loaded')
    // The load ran with foreign-key checks off: the rows it left point at users that never came.
    expect(report.unfinishedSeed.orphans.length).toBeGreaterThan(0)

    const again = await runCli(['seed', '--users', '20', '--database-url', target.url])
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).toContain('An earlier seed')
    expect(again.stderr).toContain('did not finish')
    expect(again.stdout).toContain('exact (0 rows drift)')
    expect((await rowCounts(target.sql))?.users).toBe(20)
    const clean = await runCli(['status', '--check', '--database-url', target.url])
    expect(clean.code, clean.stdout).toBe(0)
  })

  it('SIGINT: the next seed --reset starts from a clean slate', async () => {
    const target = await freshDatabase()
    const code = await interruptedSeed(target, 'SIGINT')
    expect(code).toBe(130)
    const again = await runCli([
      'seed',
      '--reset',
      '--yes',
      '--users',
      '20',
      '--database-url',
      target.url,
    ])
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).toContain('exact (0 rows drift)')
    expect((await rowCounts(target.sql))?.users).toBe(20)
  })
})

describe('undoing an interrupted load never removes rows someone else wrote', () => {
  it('a user registered after the kill: the next seed refuses and changes nothing', async () => {
    const target = await freshDatabase()
    await interruptedSeed(target, 'SIGKILL')
    // The load reserved its ids first: the application's new row gets a higher one.
    const [user] =
      await target.sql`insert into users (username, email, password_hash) values ('real_customer', 'real@example.test', 'x') returning id`
    const again = await runCli(['seed', '--users', '20', '--database-url', target.url])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('has rows it did not write since')
    const [still] =
      await target.sql`select count(*)::int as n from users where id = ${user?.id as number}`
    expect(still?.n).toBe(1)
    const status = await runCli(['status', '--check', '--database-url', target.url])
    expect(status.code).toBe(3)
  })
})

describe('seed --append', () => {
  it('twice with the same seed, and under a tiny statement_timeout set on the database', async () => {
    const target = await freshDatabase()
    await target.sql.unsafe(`alter database ${target.name} set statement_timeout = '10ms'`)
    for (const args of [
      ['--users', '5'],
      ['--users', '5', '--append'],
      ['--users', '5', '--append'],
    ]) {
      const run = await runCli(['seed', ...args, '--database-url', target.url])
      expect(run.code, run.stderr).toBe(0)
      expect(run.stdout).toContain('exact (0 rows drift)')
    }
    expect((await rowCounts(target.sql))?.users).toBe(15)
  })
})

describe("seed --reset and tables that are not VRSS's", () => {
  beforeAll(async () => {
    const seeded = await runCli(['seed', '--users', '5', '--database-url', db.url])
    expect(seeded.code, seeded.stderr).toBe(0)
  })

  it('refuses, naming them, when another table references a VRSS table; nothing is emptied', async () => {
    await db.sql`create table billing_invoices (id serial primary key, user_id bigint references users(id))`
    try {
      const [user] = await db.sql`select id from users limit 1`
      await db.sql`insert into billing_invoices (user_id) values (${user?.id as number})`
      const before = await rowCounts()
      const run = await runCli(['seed', '--reset', '--yes', '--database-url', db.url])
      expect(run.code).toBe(1)
      expect(run.stderr).toContain('billing_invoices')
      expect(run.stderr).toContain('never empties or cascades into other tables')
      const [invoices] = await db.sql`select count(*)::int as n from billing_invoices`
      expect(invoices?.n).toBe(1)
      expect(await rowCounts()).toEqual(before)
    } finally {
      await db.sql`drop table billing_invoices`
    }
  })

  it('refuses when a table inherits from a VRSS table (TRUNCATE would empty it too)', async () => {
    await db.sql`create table my_posts (extra text) inherits (posts)`
    try {
      const [user] = await db.sql`select id from users limit 1`
      await db.sql`insert into my_posts (id, user_id, type, content, published_at, extra) values (900000, ${user?.id as number}, 'text_short', 'mine', now(), 'keep')`
      const run = await runCli(['seed', '--reset', '--yes', '--database-url', db.url])
      expect(run.code).toBe(1)
      expect(run.stderr).toContain('public.my_posts (inherits from posts)')
      const [mine] = await db.sql`select count(*)::int as n from only my_posts`
      expect(mine?.n).toBe(1)
    } finally {
      await db.sql`drop table my_posts`
    }
  })

  it('--reset empties exactly the VRSS tables and says which', async () => {
    await db.sql`create table audit_notes (id serial primary key, note text)`
    await db.sql`insert into audit_notes (note) values ('keep me')`
    try {
      const run = await runCli([
        'seed',
        '--reset',
        '--yes',
        '--users',
        '5',
        '--database-url',
        db.url,
      ])
      expect(run.code, run.stderr).toBe(0)
      expect(run.stderr).toContain('and nothing else')
      expect((await rowCounts())?.users).toBe(5)
      const [notes] = await db.sql`select count(*)::int as n from audit_notes`
      expect(notes?.n).toBe(1)
    } finally {
      await db.sql`drop table audit_notes`
    }
  })
})
