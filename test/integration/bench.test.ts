// bench: drives the workloads on scratch copies with pgbench and the built-in driver, checks the
// counters with reconcile's detection, refuses a database it was not meant for, leaves no trace.
import { describe, expect, it } from 'vitest'
import { run as bench } from '../../src/commands/bench.js'
import { parseBenchOptions } from '../../src/lib/bench/options.js'
import { BENCH_MARKER } from '../../src/lib/bench/scratch.js'
import type { Sql } from '../../src/lib/db/connect.js'
import { VRSS_TABLES } from '../../src/lib/schema/manifest.js'
import { migrateTo, testContext } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()

async function migrated() {
  const target = await db.createDatabase()
  await migrateTo(target.sql, target.url)
  return target
}

const small = { duration: '1s', users: '200', posts: '500', clients: '2', yes: true }

async function benchSchemas(sql: Sql): Promise<number> {
  const [row] =
    await sql`select count(*)::int as n from pg_namespace where nspname like 'vrss_bench%'`
  return row?.n as number
}

async function liveRows(sql: Sql): Promise<string> {
  const counts: string[] = []
  for (const table of VRSS_TABLES) {
    const [row] = await sql.unsafe(`select count(*) as n from ${table}`)
    counts.push(`${table}:${row?.n}`)
  }
  return counts.join(',')
}

describe('bench', () => {
  it('drives every workload with pgbench, keeps the counters exact and leaves no trace', async () => {
    const { sql, url } = await migrated()
    const before = await liveRows(sql)
    const options = parseBenchOptions({ ...small, driver: 'pgbench' }, [])
    const result = await bench(options, testContext(sql, url))
    expect(result.driver).toBe('pgbench')
    expect(result.workloads.map((w) => w.workload)).toEqual([
      'likes-spread',
      'likes-hot',
      'comments',
      'follows',
      'uploads',
      'app-day',
    ])
    for (const w of result.workloads) {
      expect(w.triggers.transactions, w.workload).toBeGreaterThan(0)
      expect(w.floor.transactions, w.workload).toBeGreaterThan(0)
      expect(w.triggers.p50).toBeLessThanOrEqual(w.triggers.p99)
      expect(w.triggers.otherErrors, w.workload).toBe(0)
      expect(w.exact, w.workload).toBe(true)
    }
    // The profile: a like updates its post on the triggers copy only, and writes more WAL there.
    const spread = result.workloads[0]
    expect(spread?.profile.triggers.postsUpdates).toBeGreaterThan(0)
    expect(spread?.profile.floor.postsUpdates).toBe(0)
    expect(spread?.profile.triggers.walBytesPerTx).toBeGreaterThan(
      spread?.profile.floor.walBytesPerTx ?? Number.POSITIVE_INFINITY,
    )
    expect(result.exitCode).toBe(0)
    expect(await benchSchemas(sql)).toBe(0)
    expect(await liveRows(sql)).toBe(before)
  })

  it('drives the same scripts with the built-in driver', async () => {
    const { sql, url } = await migrated()
    const options = parseBenchOptions({ ...small, driver: 'builtin' }, ['comments', 'app-day'])
    const result = await bench(options, testContext(sql, url))
    expect(result.driver).toBe('builtin')
    expect(result.driverNote).toContain('built-in')
    for (const w of result.workloads) {
      expect(w.triggers.transactions, w.workload).toBeGreaterThan(0)
      expect(w.triggers.otherErrors, w.workload).toBe(0)
      expect(w.exact, w.workload).toBe(true)
      expect(w.ratio).toBeGreaterThan(0)
    }
    expect(await benchSchemas(sql)).toBe(0)
  })

  it('reports drifted counters (exit 3) when the copied triggers do not keep them', async () => {
    const { sql, url } = await migrated()
    // The scratch copy takes the live triggers' enabled state: comments stop being counted
    // there, and every transaction leaves a live reply behind.
    await sql`alter table comments disable trigger comments_count_comments`
    const options = parseBenchOptions({ ...small, driver: 'builtin' }, ['comments'])
    const result = await bench(options, testContext(sql, url))
    const [comments] = result.workloads
    expect(comments?.exact).toBe(false)
    expect(comments?.drifted).toBeGreaterThan(0)
    expect(result.failed[0]).toMatch(/^comments: \d+ counters drifted$/)
    expect(result.exitCode).toBe(3)
  })

  it('refuses a database that is not embedded or scratch without --yes (exit 2)', async () => {
    const { sql, url } = await migrated()
    const options = parseBenchOptions({ ...small, yes: false }, ['likes-hot'])
    await expect(bench(options, testContext(sql, url))).rejects.toMatchObject({
      exitCode: 2,
      code: 'BENCH_NEEDS_YES',
    })
    expect(await benchSchemas(sql)).toBe(0)
  })

  it('drops the schemas a killed run left behind, and only marked ones', async () => {
    const { sql, url } = await migrated()
    await sql.unsafe(`create schema vrss_bench_0badc0de_real`)
    await sql.unsafe(`comment on schema vrss_bench_0badc0de_real is '${BENCH_MARKER}'`)
    await sql.unsafe('create schema vrss_bench_0badc0df_real') // not marked: not ours
    const options = parseBenchOptions({ ...small, driver: 'builtin' }, ['follows'])
    await bench(options, testContext(sql, url))
    const rows = await sql`select nspname from pg_namespace where nspname like 'vrss_bench%'`
    expect(rows.map((r) => r.nspname)).toEqual(['vrss_bench_0badc0df_real'])
  })
})
