// The lock trace against a real server: a scratch copy made on the test server, the locks each
// statement takes read from pg_locks, and the copy dropped afterwards.
import { describe, expect, it } from 'vitest'
import { loadMigrations } from '../../src/lib/migrate/files.js'
import { SCRATCH_PREFIX } from '../../src/lib/migrate/scratch.js'
import { type TracedStatement, type TraceEvent, tracePhases } from '../../src/lib/migrate/trace.js'
import { migrateTo, testContext } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()
const migrations = loadMigrations()

/** Whether the scratch database a trace reported still exists (others' may run in parallel). */
async function scratchLeft(events: TraceEvent[]): Promise<string[]> {
  const ready = events.find((e) => e.type === 'scratch-ready')
  expect(ready).toBeDefined()
  const name = ready?.type === 'scratch-ready' ? ready.database : ''
  expect(name.startsWith(SCRATCH_PREFIX)).toBe(true)
  const rows = await db.sql<{ datname: string }[]>`
    select datname from pg_database where datname = ${name}`
  return rows.map((r) => r.datname)
}

/** Collects a trace's events. */
function recorder(): { events: TraceEvent[]; report: (e: TraceEvent) => void } {
  const events: TraceEvent[] = []
  return { events, report: (e) => events.push(e) }
}

function statementAt(statements: TracedStatement[], pattern: RegExp): TracedStatement {
  const found = statements.find((s) => pattern.test(s.statement))
  expect(found, `no statement matching ${pattern}`).toBeDefined()
  return found as TracedStatement
}

describe('migrate trace', () => {
  it('phase 002: CREATE TABLE takes ACCESS EXCLUSIVE on the created table only', async () => {
    const { events, report } = recorder()
    const result = await tracePhases(testContext(db.sql, db.url), { migrations, phase: 2 }, report)
    expect(result.phases.map((p) => p.version)).toEqual([2])
    const posts = statementAt(result.phases[0]?.statements ?? [], /^create table posts\b/)
    const exclusive = posts.locks.filter((l) => l.mode === 'ACCESS EXCLUSIVE')
    expect(exclusive.map((l) => l.relation)).toContain('posts')
    // Everything it locks ACCESS EXCLUSIVE is its own (the table, its indexes, sequences).
    for (const lock of exclusive) expect(lock.created, lock.relation).toBe(true)
    // users (phase 1) is only referenced: SHARE ROW EXCLUSIVE for the foreign key, no more.
    const users = posts.locks.find((l) => l.relation === 'users')
    expect(users?.mode).toBe('SHARE ROW EXCLUSIVE')
    expect(users?.created).toBe(false)
    expect(events[0]).toMatchObject({ type: 'scratch-ready', applied: 1 })
    expect(await scratchLeft(events)).toEqual([])
  })

  it('phase 005: a concurrent index build holds SHARE UPDATE EXCLUSIVE on posts, seen by sampling', async () => {
    const { events, report } = recorder()
    const result = await tracePhases(testContext(db.sql, db.url), { migrations, phase: 5 }, report)
    const phase = result.phases[0]
    expect(phase?.transactional).toBe(false)
    const build = statementAt(
      phase?.statements ?? [],
      /^create index concurrently if not exists idx_posts_feed_author/,
    )
    expect(build.sampled).toBe(true)
    const posts = build.locks.find((l) => l.relation === 'posts')
    expect(posts?.modes).toContain('SHARE UPDATE EXCLUSIVE')
    expect(posts?.mode).toBe('SHARE UPDATE EXCLUSIVE')
    expect(posts?.blocks).toMatch(/no application reads or writes/)
    expect(await scratchLeft(events)).toEqual([])
  })

  it('phase 006: the enum conversion rewrites users; by default the pending phases are traced', async () => {
    const { url, sql } = await db.createDatabase()
    await migrateTo(sql, url, { phase: 5 })
    const { events, report } = recorder()
    const result = await tracePhases(testContext(sql, url), { migrations }, report)
    expect(result.phases.map((p) => p.version)).toEqual(
      migrations.filter((m) => m.version > 5).map((m) => m.version),
    )
    const statements = result.phases[0]?.statements ?? []
    // DROP INDEX takes ACCESS EXCLUSIVE on users; the type change after it rewrites users
    // under that lock, which is held until the phase commits.
    const drop = statementAt(statements, /^drop index idx_users_status$/)
    expect(drop.locks.find((l) => l.relation === 'users')?.mode).toBe('ACCESS EXCLUSIVE')
    const alter = statementAt(statements, /^alter table users$/)
    expect(alter.rewritten).toEqual(expect.arrayContaining(['users', 'users_pkey']))
    // The rewrite runs under the ACCESS EXCLUSIVE lock taken a line earlier, and says so.
    expect(alter.locks.find((l) => l.relation === 'users')?.mode).toBe('ACCESS EXCLUSIVE')
    const held = result.phases[0]?.heldUntilCommit.find((l) => l.relation === 'users')
    expect(held).toMatchObject({ mode: 'ACCESS EXCLUSIVE', created: false })
    expect(held?.blocks).toMatch(/every read/)
    expect(await scratchLeft(events)).toEqual([])
  })

  it('a failing statement is named by file and line, and the scratch copy is still dropped', async () => {
    const bad = {
      ...(migrations[2] as (typeof migrations)[number]),
      file: '003_bad.sql',
      up: 'create table t (id int);\nalter table nowhere add column x int;',
    }
    const { events, report } = recorder()
    const err = await tracePhases(
      testContext(db.sql, db.url),
      { migrations: [...migrations.slice(0, 2), bad], phase: 3 },
      report,
    ).catch((e: unknown) => e)
    expect(String((err as Error).message)).toMatch(
      /^003_bad\.sql:2: relation "nowhere" does not exist \[SQLSTATE 42P01\].*while tracing on a scratch copy; the target is unchanged/,
    )
    expect(await scratchLeft(events)).toEqual([])
  })

  it('says so when nothing is pending', async () => {
    const { url, sql } = await db.createDatabase()
    await migrateTo(sql, url)
    const result = await tracePhases(testContext(sql, url), { migrations }, () => {})
    expect(result).toMatchObject({ nothingPending: true, phases: [] })
  })

  it('works when the command session is read-only by default', async () => {
    const { url } = await db.createDatabase()
    const readOnly = db.connectUrl(url, { default_transaction_read_only: 'on' })
    const { events, report } = recorder()
    const result = await tracePhases(testContext(readOnly, url), { migrations, phase: 1 }, report)
    expect(result.phases[0]?.statements.length).toBeGreaterThan(0)
    expect(await scratchLeft(events)).toEqual([])
  })
})
