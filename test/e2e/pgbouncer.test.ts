// Every command through a real PgBouncer in front of the test server (test/support/pgbouncer.ts):
// in transaction mode the commands that only need transactions work and those that need one
// server session (a session advisory lock) refuse up front, naming the direct URL; in session
// mode they work. No run hangs (each is bounded and must finish) and none leaves an advisory
// lock behind (checked on the server directly after every run).
import { execFile } from 'node:child_process'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { detectPooling } from '../../src/lib/db/pooling.js'
import { withReadOnlyTransaction } from '../../src/lib/db/sessions.js'
import { loadMigrations } from '../../src/lib/migrate/files.js'
import { BIN, cleanEnv } from '../support/cli.js'
import { useTestDatabase } from '../support/db.js'
import { type PgBouncers, startPgBouncers } from '../support/pgbouncer.js'

const started = await startPgBouncers(inject('adminUrl'))
const bouncers: PgBouncers | undefined = started.ok ? started.bouncers : undefined
if (!started.ok) {
  process.stderr.write(`[vrss-db tests] SKIPPED the PgBouncer tests: ${started.reason}\n`)
}

const db = useTestDatabase()
afterAll(async () => {
  await bouncers?.stop()
})

/** Each run is bounded: a run that has to be killed fails the test as a hang. */
const RUN_MS = 45_000

interface Run {
  code: number
  stdout: string
  stderr: string
  hung: boolean
}

function vrss(args: string[], url: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args, '--database-url', url],
      { env: cleanEnv(), timeout: RUN_MS, killSignal: 'SIGKILL', maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        const hung = Boolean(error?.killed)
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
        resolve({ code, stdout, stderr, hung })
      },
    )
  })
}

/** Advisory locks held in the test database, by any session (seen on the server directly). */
async function advisoryLocks(): Promise<number> {
  const [row] = await db.sql`
    select count(*)::int as n from pg_locks
    where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())`
  return Number(row?.n)
}

/** Runs a command and checks what every run must do: finish, and leave no advisory lock. */
async function run(args: string[], url: string): Promise<Run> {
  const result = await vrss(args, url)
  expect(result.hung, `${args.join(' ')} did not finish in ${RUN_MS / 1000}s`).toBe(false)
  expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/) // never a stack trace
  expect(await advisoryLocks(), `${args.join(' ')} left an advisory lock`).toBe(0)
  return result
}

function expectRefused(result: Run, command: string): void {
  expect(result.code, result.stderr).toBe(1)
  const error = result.stderr.split('\n').filter((line) => line.startsWith('error: '))
  expect(error).toEqual([
    expect.stringContaining(
      `error: Cannot run \`${command}\` through a pooler in transaction mode (PgBouncer)`,
    ),
  ])
  expect(result.stderr).toContain('hint: Give a direct URL to PostgreSQL')
  expect(result.stdout).toBe('')
}

const transactionUrl = () => bouncers?.transaction.urlFor(db.url) ?? ''
const sessionUrl = () => bouncers?.session.urlFor(db.url) ?? ''

describe.skipIf(!bouncers)('PgBouncer in transaction mode', () => {
  it('detectPooling tells transaction pooling from session pooling and a direct connection', async () => {
    const through = db.connectUrl(transactionUrl())
    const session = db.connectUrl(sessionUrl())
    expect(await detectPooling(through)).toBe('transaction')
    expect(await detectPooling(session)).toBe('session')
    expect(await detectPooling(db.sql)).toBe('session')
  })

  it('migrate refuses up front and applies nothing', async () => {
    expectRefused(await run(['migrate'], transactionUrl()), 'vrss-db migrate')
    const [row] =
      await db.sql`select to_regclass('schema_migrations') as t, to_regclass('users') as u`
    expect(row).toEqual({ t: null, u: null })
  })

  it('migrate --dry-run only plans, and works', async () => {
    const result = await run(['migrate', '--dry-run'], transactionUrl())
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain('001_foundation')
  })

  it('after a direct migrate and a seed: rollback, seed and reconcile refuse up front', async () => {
    const migrated = await run(['migrate'], db.url)
    expect(migrated.code, migrated.stderr).toBe(0)
    const seeded = await run(['seed', '--users', '20'], db.url)
    expect(seeded.code, seeded.stderr).toBe(0)
    const url = transactionUrl()
    expectRefused(
      await run(['migrate', 'rollback', '--to', String(loadMigrations().length - 1), '--yes'], url),
      'vrss-db migrate rollback',
    )
    expectRefused(await run(['seed', '--users', '20', '--reset'], url), 'vrss-db seed')
    expectRefused(await run(['reconcile'], url), 'vrss-db reconcile')
    expectRefused(await run(['reconcile', '--dry-run'], url), 'vrss-db reconcile')
    expectRefused(await run(['reconcile', '--check'], url), 'vrss-db reconcile')
    expectRefused(
      await run(['verify-triggers', '--concurrency'], url),
      'vrss-db verify-triggers --concurrency',
    )
    // Nothing of it happened: phase 7 is still applied, the 20 users are still there.
    const [row] = await db.sql`
      select (select count(*)::int from users) as users,
             (select count(*)::int from schema_migrations where version = 7) as phase7`
    expect(row).toEqual({ users: 20, phase7: 1 })
  })

  it('status, explain and verify-triggers work', async () => {
    const url = transactionUrl()
    const status = await run(['status', '--check'], url)
    expect(status.code, status.stderr).toBe(0)
    expect(status.stdout).toContain('007 posts_visibility')
    // The pooler refuses the start-up settings: said once, and the run goes on without them.
    expect(status.stderr.match(/refused the session settings/g)).toHaveLength(1)
    const explain = await run(['explain', 'feed', 'comments', '--runs', '3'], url)
    expect(explain.code, explain.stderr).toBe(0)
    expect(explain.stdout).toMatch(/feed .*PASS/)
    const verify = await run(['verify-triggers'], url)
    expect(verify.code, verify.stderr).toBe(0)
    expect(verify.stdout).toMatch(/# \d+ passed, 0 failed/)
  })

  it('status keeps its lock_timeout although the pooler refused it: it gives up, not hangs', async () => {
    const holder = db.connect(1)
    let release: () => void = () => undefined
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    const held = holder.begin(async (tx) => {
      await tx`lock table users in access exclusive mode`
      await released
    })
    try {
      const started = Date.now()
      const result = await run(['status'], transactionUrl())
      expect(result.code, result.stderr).toBe(1)
      expect(result.stderr).toMatch(/error: Gave up after 5s waiting for a lock/)
      expect(Date.now() - started).toBeLessThan(20_000)
    } finally {
      release()
      await held
    }
  })

  it("status's transaction is read-only and bounded although the pooler refused the settings", async () => {
    const through = db.connectUrl(transactionUrl())
    const settings = { lock_timeout: '5s', statement_timeout: '30s' }
    const [inside] = await withReadOnlyTransaction(
      through,
      settings,
      (sql) =>
        sql`select current_setting('transaction_read_only') as ro,
                   current_setting('lock_timeout') as lock,
                   current_setting('statement_timeout') as st`,
    )
    expect(inside).toEqual({ ro: 'on', lock: '5s', st: '30s' })
    await expect(
      withReadOnlyTransaction(through, settings, (sql) => sql`create table vrss_probe (id int)`),
    ).rejects.toMatchObject({ code: '25006' })
    const [none] = await db.sql`select to_regclass('vrss_probe') as t`
    expect(none?.t).toBeNull()
  })
})

describe.skipIf(!bouncers)('PgBouncer in session mode', () => {
  it('every command works, verify-triggers --concurrency refuses the pooler clearly', async () => {
    const url = sessionUrl()
    const previous = String(loadMigrations().length - 1)
    const rollback = await run(['migrate', 'rollback', '--to', previous, '--yes'], url)
    expect(rollback.code, rollback.stderr).toBe(0)
    const migrate = await run(['migrate'], url)
    expect(migrate.code, migrate.stderr).toBe(0)
    expect(migrate.stdout).toContain('Applied 1 phase(s)')
    const seed = await run(['seed', '--users', '20', '--reset', '--yes'], url)
    expect(seed.code, seed.stderr).toBe(0)
    for (const args of [
      ['status', '--check'],
      ['reconcile', '--check'],
      ['reconcile'],
      ['explain', 'comments', '--runs', '3'],
      ['verify-triggers'],
    ]) {
      const result = await run(args, url)
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
    }
    // Its proofs' pool needs the scratch search_path as a start-up parameter, which PgBouncer
    // refuses (or, told to ignore it, would drop silently): refused before any work.
    const concurrency = await run(['verify-triggers', '--concurrency'], url)
    expect(concurrency.code, concurrency.stderr).toBe(1)
    expect(concurrency.stderr).toContain(
      'error: Cannot run `vrss-db verify-triggers --concurrency` through a pooler that refuses start-up settings',
    )
    const [left] = await db.sql`
      select count(*)::int as n from pg_namespace where nspname like 'vrss\\_verify\\_%'`
    expect(left?.n).toBe(0)
  })
})

describe.skipIf(!bouncers)('PgBouncer told to ignore the start-up settings', () => {
  it('status works without a warning; verify-triggers --concurrency notices its search_path is gone', async () => {
    const url = bouncers?.ignoring.urlFor(db.url) ?? ''
    const status = await run(['status', '--check'], url)
    expect(status.code, status.stderr).toBe(0)
    // Accepted and dropped silently: nothing to warn about, so nothing is said.
    expect(status.stderr).not.toContain('refused the session settings')
    // Without its scratch search_path the proofs would write to the live tables: it stops.
    const concurrency = await run(['verify-triggers', '--concurrency'], url)
    expect(concurrency.code, concurrency.stderr).toBe(1)
    expect(concurrency.stderr).toMatch(
      /error: The server at .* does not take the start-up settings this needs: lock_timeout is ".*", not "5s" as asked at start-up/,
    )
    const [left] = await db.sql`
      select count(*)::int as n from pg_namespace where nspname like 'vrss\\_verify\\_%'`
    expect(left?.n).toBe(0)
    const [users] = await db.sql`select count(*)::int as n from users`
    expect(users?.n).toBe(20)
  })
})
