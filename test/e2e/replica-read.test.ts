// A primary and its real streaming standby: status on the primary lists the standby with its
// lag; explain --replica times the queries on both; reconcile --read-from detects on the
// standby (once it has replayed the primary's position), repairs on the primary, and refuses a
// lagging standby or a server that is no standby.
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSql, type Sql } from '../../src/lib/db/connect.js'
import { parseDatabaseUrl } from '../../src/lib/db/target.js'
import { reconcile } from '../../src/lib/reconcile/engine.js'
import { runCli } from '../support/cli.js'
import { type PrimaryAndStandby, startPrimaryAndStandby } from '../support/standby.js'

let servers: PrimaryAndStandby
let primary: postgres.Sql
let standby: postgres.Sql
const onPrimary = (args: string[]) =>
  runCli(['--database-url', servers.primaryUrl, ...args], { timeoutMs: 120_000 })

/** Drift on the primary, as a bug or a restore would leave it: the triggers do not run. */
async function drift(postId: number, by: number): Promise<void> {
  await primary.begin(async (tx) => {
    await tx`set local session_replication_role = replica`
    await tx`update posts set likes_count = likes_count + ${by} where id = ${postId}`
  })
}

async function likesCount(sql: postgres.Sql, postId: number): Promise<number> {
  const [row] = await sql`select likes_count from posts where id = ${postId}`
  return Number(row?.likes_count)
}

async function actualLikes(postId: number): Promise<number> {
  const [row] = await primary`
    select count(*)::int as n from post_interactions where post_id = ${postId} and type = 'like'`
  return Number(row?.n)
}

beforeAll(async () => {
  servers = await startPrimaryAndStandby()
  expect((await onPrimary(['migrate'])).code).toBe(0)
  expect((await onPrimary(['seed', '--users', '20'])).code).toBe(0)
  primary = postgres(servers.primaryUrl, { max: 1, onnotice: () => undefined })
  standby = postgres(servers.standbyUrl, { max: 1, onnotice: () => undefined })
  await servers.caughtUp()
}, 240_000)

afterAll(async () => {
  await standby?.end({ timeout: 5 })
  await primary?.end({ timeout: 5 })
  await servers?.stop()
}, 120_000)

describe('status on the primary', () => {
  it('lists the standby with its state and lag, in the human output and --json', async () => {
    const human = await onPrimary(['status'])
    expect(human.code, human.stderr).toBe(0)
    expect(human.stdout).toMatch(
      /^Replicas\s+vrss_test_standby \(\S+\) streaming, async: replay lag \S+( ms)?, \d+ \S*B behind \(write .*, flush .*\)$/m,
    )
    const json = JSON.parse((await onPrimary(['status', '--json'])).stdout)
    expect(json.replicas.visible).toBe(true)
    expect(json.replicas.count).toBe(1)
    const [link] = json.replicas.list
    expect(link).toMatchObject({
      applicationName: 'vrss_test_standby',
      state: 'streaming',
      syncState: 'async',
    })
    expect(link.replayLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/)
    expect(typeof link.bytesBehind).toBe('number')
    for (const key of ['writeLagSeconds', 'flushLagSeconds', 'replayLagSeconds']) {
      expect(link[key] === null || typeof link[key] === 'number', key).toBe(true)
    }
  })

  it('a role without pg_read_all_stats gets one line saying so, not nulls', async () => {
    await primary.unsafe(`create role vrss_watcher login password 'watch-it'`)
    await primary.unsafe('grant select on all tables in schema public to vrss_watcher')
    try {
      const url = new URL(servers.primaryUrl)
      url.username = 'vrss_watcher'
      url.password = 'watch-it'
      const run = await runCli(['--database-url', url.toString(), 'status'])
      expect(run.code, run.stderr).toBe(0)
      expect(run.stdout).toMatch(
        /^Replicas\s+1 connected, but this role cannot see their state or lag: grant it pg_monitor/m,
      )
      const json = JSON.parse(
        (await runCli(['--database-url', url.toString(), 'status', '--json'])).stdout,
      )
      expect(json.replicas).toEqual({ visible: false, count: 1, list: [] })
    } finally {
      await primary.unsafe('drop owned by vrss_watcher')
      await primary.unsafe('drop role vrss_watcher')
    }
  })

  it('on the standby: no replicas, and its own replay facts', async () => {
    const json = JSON.parse(
      (await runCli(['--database-url', servers.standbyUrl, 'status', '--json'])).stdout,
    )
    expect(json.replicas).toEqual({ visible: true, count: 0, list: [] })
    expect(typeof json.replica.replayPendingBytes).toBe('number')
    expect(json.replica.lastReplayAt).toMatch(/^\d{4}-\d\d-\d\dT/)
  })
})

describe('explain --replica', () => {
  it('times each query on the primary and the standby, side by side', async () => {
    const args = ['explain', 'friends', 'quota', '--runs', '2', '--no-fail']
    const table = await onPrimary([...args, '--replica', servers.standbyUrl])
    expect(table.code, table.stderr).toBe(0)
    expect(table.stdout).toMatch(/│ p95\s+│ replica p95\s*│ p95 target/)
    expect(table.stdout).toContain(`and on the replica postgres://`)
    expect(table.stdout).not.toContain(new URL(servers.standbyUrl).password)
    const json = JSON.parse(
      (await onPrimary([...args, '--replica', servers.standbyUrl, '--json'])).stdout,
    )
    expect(json.replica).toMatch(/^postgres:\/\/.*:\*\*\*\*@/)
    expect(json.timings.length).toBeGreaterThan(0)
    for (const t of json.timings) {
      expect(t.replica.p95, t.query).toBeGreaterThan(0)
      expect(t.replica.rows, t.query).toBe(t.rows)
      expect(t.replica.plan.nodeTypes.length).toBeGreaterThan(0)
    }
    const md = await onPrimary([...args, '--format', 'markdown', '--replica', servers.standbyUrl])
    expect(md.stdout).toContain('| query | subject | p50 | p95 | max | replica p50 | replica p95 |')
  })

  it('refuses a "replica" that is not in recovery, in one line (exit 1)', async () => {
    const run = await onPrimary([
      'explain',
      'quota',
      '--runs',
      '1',
      '--replica',
      servers.primaryUrl,
    ])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('--replica postgres://')
    expect(run.stderr).toContain('is not a replica: it is not in recovery')
    expect(run.stderr).not.toContain(new URL(servers.primaryUrl).password)
    expect(run.stdout).not.toContain('Timed')
    const bad = await onPrimary(['explain', 'quota', '--replica', 'postgres://x:y@h:99999/db'])
    expect(bad.code).toBe(2)
  })
})

describe('reconcile --read-from', () => {
  it('finds drift made on the primary once replayed, and repairs it on the primary', async () => {
    const before = await likesCount(primary, 2)
    await drift(2, 5)
    // No waiting here: reconcile itself waits for the standby to replay the drift.
    const dryRun = await onPrimary([
      'reconcile',
      '--dry-run',
      '--only',
      'likes',
      '--read-from',
      servers.standbyUrl,
      '--json',
    ])
    expect(dryRun.code, dryRun.stderr).toBe(0)
    const found = JSON.parse(dryRun.stdout)
    expect(found.readFrom.replica).toContain(`:${new URL(servers.standbyUrl).port}/`)
    expect(found.counters[0]).toMatchObject({ counter: 'likes', drifted: 1, repaired: 0 })
    expect(found.counters[0].examples[0]).toMatchObject({ id: 2, stored: before + 5 })
    expect(await likesCount(primary, 2)).toBe(before + 5)

    const human = await onPrimary([
      'reconcile',
      '--only',
      'likes',
      '--read-from',
      servers.standbyUrl,
    ])
    expect(human.code, human.stderr).toBe(0)
    expect(human.stdout).toMatch(
      /Drift read on the replica postgres:\/\/.* after it replayed .*; repairs recounted and written on the primary/,
    )
    expect(human.stdout).toMatch(/repair: 1 drifted row\(s\) repaired/)
    expect(await likesCount(primary, 2)).toBe(await actualLikes(2))
  })

  it('a stale replica cannot cause a wrong repair: each one is recounted on the primary', async () => {
    await drift(3, 7)
    await servers.caughtUp()
    await standby`select pg_wal_replay_pause()`
    let primarySql: Sql | undefined
    let standbySql: Sql | undefined
    try {
      // Fixed on the primary after the paused standby saw the drift: the standby is now stale.
      await primary.begin(async (tx) => {
        await tx`set local session_replication_role = replica`
        await tx`update posts set likes_count = likes_count - 7 where id = 3`
      })
      const fixed = await likesCount(primary, 3)
      expect(await likesCount(standby, 3)).toBe(fixed + 7)
      primarySql = createSql(parseDatabaseUrl(servers.primaryUrl), { max: 3 })
      standbySql = createSql(parseDatabaseUrl(servers.standbyUrl), { max: 2 })
      const options = { only: ['likes' as const], batchSize: 50_000, lockTimeoutMs: 2000 }
      // Detection reads the stale standby: it still sees the drift …
      const seen = await reconcile(primarySql, { ...options, write: false, readFrom: standbySql })
      expect(seen.counters[0]?.examples).toEqual([{ id: 3, expected: fixed, stored: fixed + 7 }])
      // … but the repair recounts on the primary under the row lock, and writes nothing.
      const stats = await reconcile(primarySql, { ...options, write: true, readFrom: standbySql })
      expect(stats.counters[0]).toMatchObject({ counter: 'likes', drifted: 0, repaired: 0 })
      expect(await likesCount(primary, 3)).toBe(fixed)
    } finally {
      await standby`select pg_wal_replay_resume()`
      await primarySql?.end({ timeout: 5 })
      await standbySql?.end({ timeout: 5 })
    }
  })

  it('refuses a lagging standby with how far behind it is, and a server that is no standby', async () => {
    await standby`select pg_wal_replay_pause()`
    try {
      await drift(4, 1)
      const run = await onPrimary([
        'reconcile',
        '--dry-run',
        '--read-from',
        servers.standbyUrl,
        '--replica-wait',
        '500ms',
      ])
      expect(run.code).toBe(1)
      expect(run.stderr).toMatch(
        /^error: The replica postgres:\/\/\S+ is [\d,]+ bytes of WAL behind the primary \(replayed [0-9A-F/]+, primary at [0-9A-F/]+\) after waiting 0\.\ds: not trusting it$/m,
      )
      expect(run.stderr).toContain('--replica-wait')
      expect(run.stdout).toBe('')
    } finally {
      await standby`select pg_wal_replay_resume()`
    }
    await servers.caughtUp()

    const notReplica = await onPrimary([
      'reconcile',
      '--dry-run',
      '--read-from',
      servers.primaryUrl,
    ])
    expect(notReplica.code).toBe(1)
    expect(notReplica.stderr).toContain('is not a replica: it is not in recovery')
    const fromStandby = await runCli([
      '--database-url',
      servers.standbyUrl,
      'reconcile',
      '--dry-run',
      '--read-from',
      servers.standbyUrl,
    ])
    expect(fromStandby.code).toBe(1)
    expect(fromStandby.stderr).toContain('--read-from needs the primary as the target')
    const usage = await onPrimary(['reconcile', '--dry-run', '--replica-wait', '1s'])
    expect(usage.code).toBe(2)
  })
})
