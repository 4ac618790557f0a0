// explain on small data: checks behaviour (well-formed results, PASS/FAIL, exit codes,
// warnings, index assertions), never speed.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { run as explain } from '../../src/commands/explain.js'
import { parseSeedOptions, run as seed } from '../../src/commands/seed.js'
import type { VrssError } from '../../src/lib/errors.js'
import { parseExplainOptions } from '../../src/lib/explain/options.js'
import { renderMarkdown } from '../../src/lib/explain/report.js'
import { migrateTo, testContext } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()
// Tiny tables are read sequentially; for the plan assertions, make the planner use indexes.
let indexed: ReturnType<typeof db.connectUrl>
const run = (args: string[], raw: Record<string, unknown> = {}) =>
  explain(parseExplainOptions({ runs: '3', ...raw }, args), testContext(indexed, db.url))

beforeAll(async () => {
  await migrateTo(db.sql, db.url)
  await seed(parseSeedOptions({ users: '40' }), testContext(db.sql, db.url))
  indexed = db.connectUrl(db.url, { enable_seqscan: 'off' })
})

describe('explain', () => {
  it('runs every named query and returns well-formed timings and plans', async () => {
    const result = await run([])
    expect(result.timings.map((t) => t.query)).toEqual([
      'feed (plan)',
      'feed (plan)',
      'feed (plan)',
      'feed (shipped)',
      'feed (shipped)',
      'feed (shipped)',
      'storage-quota',
      'friends',
      'notification-badge',
      'custom-feed',
      'comments',
      'post-counts',
    ])
    // Phase 8's exact-counts read path is timed for a page of 20 posts.
    expect(result.timings.find((t) => t.query === 'post-counts')?.rows).toBe(20)
    expect(result.timings.slice(0, 3).map((t) => t.subject.split(' ')[0])).toEqual([
      'typical',
      'power',
      'sparse',
    ])
    // Even on 40 users, the typical and the power reader are two different people.
    const [typical, power] = result.timings.slice(0, 2).map((t) => t.subject.split(' ').pop())
    expect(typical).not.toBe(power)
    for (const t of result.timings) {
      expect(t.p50).toBeLessThanOrEqual(t.p95)
      expect(t.p95).toBeLessThanOrEqual(t.max)
      expect(t.plan.nodeTypes.length).toBeGreaterThan(0)
      expect(t.plan.actualRows).toBeGreaterThanOrEqual(0)
    }
    expect(result.timings.find((t) => t.query === 'feed (shipped)')?.rows).toBeGreaterThan(0)
    // The plan's query is shown for reference: it never sets the exit code.
    expect(result.timings.filter((t) => t.reference).map((t) => t.query)).toEqual([
      'feed (plan)',
      'feed (plan)',
      'feed (plan)',
    ])
    expect(result.timings.find((t) => t.query === 'storage-quota')?.plan.indexes).toContain(
      'storage_usage_user_id_key',
    )
  })

  it('warns loudly that small data proves nothing, and lists the table sizes used', async () => {
    const result = await run(['quota'])
    expect(result.warnings.join(' ')).toMatch(
      /Only \d+ posts: these timings say little about production/,
    )
    expect(result.tables.find((t) => t.table === 'posts')).toBeDefined()
  })

  it('judges PASS/FAIL on p95 and exits 3 on a miss, unless --no-fail', async () => {
    // A target no busy machine can miss (never a real one: tests do not judge speed).
    const file = join(mkdtempSync(join(tmpdir(), 'vrss-explain-')), 'generous.sql')
    writeFileSync(file, 'select count(*) from notifications where user_id = $1')
    const ok = await run([], { file, param: ['1'], target: '60000ms' })
    expect(ok.timings[0]?.pass).toBe(true)
    expect(ok.exitCode).toBe(0)
    // A target no query can meet: --user of a real user with an impossible custom target.
    const result = await run(['feed'], { user: '1' })
    const forcedFail = { ...result, timings: result.timings.map((t) => ({ ...t, targetMs: 0 })) }
    expect(forcedFail.timings.every((t) => t.p95 > t.targetMs)).toBe(true)
  })

  it('--assert-index fails (exit 3) when no plan uses the index, passes when one does', async () => {
    const missing = await run(['quota'], { assertIndex: 'idx_does_not_exist' })
    expect(missing.exitCode).toBe(3)
    expect(missing.failed).toEqual(['no measured plan uses index idx_does_not_exist'])
    // Small tables are often read sequentially; assert an index that some plan really uses.
    const all = await run([])
    const usedIndex = all.timings.flatMap((t) => t.plan.indexes)[0]
    expect(usedIndex).toBeDefined()
    const used = await run([], { assertIndex: usedIndex })
    expect(used.failed.filter((f) => f.includes('index'))).toEqual([])
    const reportOnly = await run(['quota'], { assertIndex: 'idx_does_not_exist', fail: false })
    expect(reportOnly.exitCode).toBe(0)
  })

  it('--format markdown is a table ready for a pull request, with the plans', async () => {
    const text = renderMarkdown(await run(['friends', 'comments']))
    expect(text).toContain('| query | subject | p50 | p95 | max | target | result | plan |')
    expect(text).toMatch(/\| friends \| most friends \d+ \|/)
    expect(text).toContain('<details><summary>Plans</summary>')
  })

  it('--file times a query under review with its parameters and target', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vrss-explain-')), 'query.sql')
    writeFileSync(file, 'select count(*) from posts where user_id = $1;\n')
    const result = await run([], { file, param: ['1'], target: '1000ms' })
    expect(result.timings).toHaveLength(1)
    expect(result.timings[0]).toMatchObject({
      query: file,
      subject: 'params 1',
      targetMs: 1000,
      rows: 1,
      pass: true,
    })
    const impossible = await run([], { file, param: ['1'], target: '0ms' })
    expect(impossible.exitCode).toBe(3)
  })

  it('--baseline flags a changed plan and fails on a p95 regression beyond the tolerance', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vrss-baseline-'))
    const before = await run(['badge', 'friends'])
    const file = join(dir, 'base.json')
    writeFileSync(file, JSON.stringify(before))
    // Same data, same plans: nothing flagged.
    const same = await run(['badge', 'friends'], { baseline: file, tolerance: '10000' })
    expect(same.comparison?.map((c) => c.planChanges)).toEqual([[], []])
    expect(same.exitCode).toBe(0)
    // Drop the index the badge query uses: its plan changes.
    await db.sql`drop index idx_notifications_user_unread`
    const changed = await run(['badge'], { baseline: file, tolerance: '10000' })
    expect(changed.comparison?.[0]?.planChanges).toContain(
      'index no longer used: idx_notifications_user_unread',
    )
    expect(changed.warnings.join(' ')).toContain('plan changed for notification-badge')
    await db.sql`create index idx_notifications_user_unread on notifications (user_id, created_at desc) where is_read = false`
    // A baseline ten times faster than reality is a regression (exit 3).
    const fast = { ...before, timings: before.timings.map((t) => ({ ...t, p95: t.p95 / 1000 })) }
    writeFileSync(file, JSON.stringify(fast))
    const slower = await run(['badge', 'friends'], { baseline: file })
    expect(slower.comparison?.every((c) => c.regression)).toBe(true)
    expect(slower.exitCode).toBe(3)
    expect(slower.failed.join(' ')).toContain('in the baseline')
  })

  it('rejects unknown queries, formats and run counts (exit 2)', () => {
    for (const [raw, args, message] of [
      [{}, ['nonsense'], 'Unknown query "nonsense"'],
      [{ format: 'html' }, [], '--format'],
      [{ runs: '0' }, [], '--runs'],
      [{ param: ['1'] }, [], '--param and --target go with --file'],
      [{ file: '/nonexistent/q.sql' }, [], 'Cannot read --file'],
      [{ baseline: '/nonexistent/base.json' }, [], 'Cannot read --baseline'],
    ] as const) {
      try {
        parseExplainOptions(raw, [...args])
        expect.unreachable()
      } catch (err) {
        expect((err as VrssError).exitCode).toBe(2)
        expect((err as VrssError).message).toContain(message)
      }
    }
  })
})
