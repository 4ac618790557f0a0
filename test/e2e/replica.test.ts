// A real streaming hot standby: the writing commands refuse it before starting, with one line
// saying what it is and where to run them; the read-only ones keep working there.
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../support/cli.js'
import { type PrimaryAndStandby, startPrimaryAndStandby } from '../support/standby.js'

let servers: PrimaryAndStandby
const onStandby = (args: string[]) =>
  runCli(['--database-url', servers.standbyUrl, ...args], { timeoutMs: 120_000 })

beforeAll(async () => {
  servers = await startPrimaryAndStandby()
  const primary = ['--database-url', servers.primaryUrl]
  expect((await runCli([...primary, 'migrate'])).code).toBe(0)
  expect((await runCli([...primary, 'seed', '--users', '20'])).code).toBe(0)
  const sql = postgres(servers.primaryUrl, { max: 1, onnotice: () => undefined })
  try {
    // Drift, so that reconcile would repair something.
    await sql.begin(async (tx) => {
      await tx`set local session_replication_role = replica`
      await tx`update posts set likes_count = likes_count + 1 where id = 1`
    })
  } finally {
    await sql.end({ timeout: 5 })
  }
  await servers.caughtUp()
}, 240_000)

afterAll(async () => {
  await servers?.stop()
}, 120_000)

/** One `error:` line naming the replica and the primary, no raw server error, exit 1. */
function expectRefused(run: { code: number; stderr: string }, command: string) {
  expect(run.code, run.stderr).toBe(1)
  expect(run.stderr).toContain(`Cannot run \`${command}\`: this is a read-only replica`)
  expect(run.stderr).toContain(`hint: Run \`${command}\` against the primary`)
  expect(run.stderr).not.toMatch(/read-only transaction|SQLSTATE|\n\s+at /)
}

describe('on a hot standby', () => {
  it('migrate, seed, migrate rollback and a repairing reconcile refuse to start (exit 1)', async () => {
    expectRefused(await onStandby(['migrate']), 'vrss-db migrate')
    expectRefused(await onStandby(['seed', '--users', '5', '--append']), 'vrss-db seed')
    expectRefused(
      await onStandby(['migrate', 'rollback', '--to', '4', '--yes']),
      'vrss-db migrate rollback',
    )
    const reconcile = await onStandby(['reconcile'])
    expectRefused(reconcile, 'vrss-db reconcile')
    expect(reconcile.stderr).toContain('`--dry-run` and `--check`')
  })

  it('verify-triggers cannot run there (exit 1, not 3) and says why', async () => {
    const run = await onStandby(['verify-triggers'])
    expectRefused(run, 'vrss-db verify-triggers')
    expect(run.stdout).not.toContain('not ok')
  })

  it('the read-only commands keep working: status shows the replica, its replay lag and LSNs', async () => {
    const human = await onStandby(['status'])
    expect(human.code, human.stderr).toBe(0)
    expect(human.stdout).toMatch(/^Replica\s+read-only hot standby .*replay lag .*received \d/m)
    const json = JSON.parse((await onStandby(['status', '--json'])).stdout)
    expect(json.replica.receiveLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/)
    expect(json.replica.replayLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/)
    expect(typeof json.replica.replayLagSeconds).toBe('number')
    expect(json.phases.every((p: { state: string }) => p.state === 'applied')).toBe(true)
    const primary = await runCli(['--database-url', servers.primaryUrl, 'status', '--json'])
    expect(JSON.parse(primary.stdout).replica).toBeUndefined()

    const dryRun = await onStandby(['reconcile', '--dry-run', '--json'])
    expect(dryRun.code, dryRun.stderr).toBe(0)
    expect(JSON.parse(dryRun.stdout).totalDrifted).toBe(1)
    expect((await onStandby(['reconcile', '--check'])).code).toBe(3)
    // Missing friendships are only ever reported: that run writes nothing.
    const friendships = await onStandby(['reconcile', '--only', 'friendships'])
    expect(friendships.code, friendships.stderr).toBe(0)
    const explain = await onStandby(['explain', 'friends', '--runs', '1', '--no-fail'])
    expect(explain.code, explain.stderr).toBe(0)
    expect((await onStandby(['migrate', '--dry-run'])).code).toBe(0)
  })
})

describe('on a database whose transactions are read-only by default', () => {
  it('the writing commands refuse to start and say so; status still works', async () => {
    const sql = postgres(servers.primaryUrl, { max: 1, onnotice: () => undefined })
    try {
      await sql`alter database vrss set default_transaction_read_only = on`
      const url = servers.primaryUrl
      const run = await runCli(['--database-url', url, 'reconcile'])
      expect(run.code, run.stderr).toBe(1)
      expect(run.stderr).toContain(
        'Cannot run `vrss-db reconcile`: transactions are read-only by default on this database',
      )
      expect(run.stderr).not.toMatch(/read-only transaction|SQLSTATE/)
      const seed = await runCli(['--database-url', url, 'seed', '--users', '5', '--append'])
      expect(seed.stderr).toContain('transactions are read-only by default')
      expect((await runCli(['--database-url', url, 'status'])).code).toBe(0)
    } finally {
      await sql`alter database vrss reset default_transaction_read_only`
      await sql.end({ timeout: 5 })
    }
  })
})
