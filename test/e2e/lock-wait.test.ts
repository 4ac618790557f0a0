// Read commands behind another session's lock: they give up after their lock_timeout and say
// what they waited for and who holds it, instead of waiting without end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ReservedSql } from '../../src/lib/db/connect.js'
import { runCli } from '../support/cli.js'
import { migrateTo } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()

describe('a table locked by another session (ACCESS EXCLUSIVE on posts, left open)', () => {
  let holder: ReservedSql
  let holderPid = 0
  beforeAll(async () => {
    await migrateTo(db.sql, db.url)
    holder = await db.connectUrl(db.url, { application_name: 'lock-holder-test' }).reserve()
    await holder`begin`
    await holder`lock table posts in access exclusive mode`
    holderPid = (await holder`select pg_backend_pid() as pid`)[0]?.pid as number
  })
  afterAll(async () => {
    await holder`rollback`
    holder.release()
  })

  it.each([
    [['status']],
    [['reconcile', '--dry-run']],
    [['reconcile', '--check']],
    [['explain', 'feed', '--runs', '1']],
  ])('%j exits 1 after its lock_timeout, naming posts and the holder', async (args) => {
    // The old code waited as long as the lock was held: the runner kills it at 30 s, and a
    // killed run has no exit code 1 and no message. (How fast it gives up is not asserted.)
    const run = await runCli([...args, '--database-url', db.url], { timeoutMs: 30_000 })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(
      `error: Gave up after 5s waiting for a lock on posts held by pid ${holderPid} (application_name "lock-holder-test", idle in transaction for`,
    )
    expect(run.stderr).toContain(`hint: Wait for that transaction to end`)
    expect(run.stderr).not.toMatch(/\n\s+at /)
  })
})
