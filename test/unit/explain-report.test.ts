// How an explain result reads: the terminal table and the markdown block for a pull request.
import { describe, expect, it } from 'vitest'
import type { PlanSummary } from '../../src/lib/explain/measure.js'
import {
  comparisonText,
  planLine,
  renderExplainTable,
  renderMarkdown,
} from '../../src/lib/explain/report.js'
import type { ExplainResult, QueryTiming } from '../../src/lib/explain/run.js'
import { neededPhases } from '../../src/lib/explain/run.js'
import { Output } from '../../src/lib/ui/output.js'

const plain = new Output({ json: false, color: false, debug: false, env: {} })

const plan = (over: Partial<PlanSummary> = {}): PlanSummary => ({
  nodeTypes: ['Limit', 'Index Scan'],
  indexes: ['idx_posts_user_created'],
  seqScans: [],
  estimatedRows: 20,
  actualRows: 18,
  sharedHitBlocks: 40,
  sharedReadBlocks: 2,
  executionMs: 1.5,
  ...over,
})

const timing = (over: Partial<QueryTiming>): QueryTiming => ({
  query: 'storage-quota',
  reference: false,
  subject: 'uploader 3',
  targetMs: 5,
  p50: 0.5,
  p95: 0.8,
  max: 1.2,
  rows: 1,
  pass: true,
  plan: plan(),
  ...over,
})

const result: ExplainResult = {
  exitCode: 3,
  target: 'postgres://app:****@db/vrss',
  runs: 30,
  timings: [
    timing({}),
    timing({ query: 'feed (plan)', subject: 'typical reader 7', pass: false, reference: true }),
    timing({
      query: 'friends',
      subject: 'most friends 9',
      p95: 12,
      pass: false,
      targetMs: 10,
      plan: plan({ indexes: [], seqScans: ['friendships'] }),
    }),
  ],
  tables: [
    { table: 'friendships', rows: 1200 },
    { table: 'posts', rows: 1500 },
    { table: 'users', rows: 40 },
  ],
  warnings: ['Only 1,500 posts: these timings say little about production'],
  failed: ['friends (most friends 9): p95 12 ms > 10 ms'],
}

describe('planLine', () => {
  it('names the indexes, then the sequential scans', () => {
    expect(planLine(plan({ seqScans: ['users'] }))).toBe(
      'idx_posts_user_created; seq scan on users',
    )
  })

  it('falls back to the outermost node type', () => {
    expect(planLine(plan({ indexes: [], nodeTypes: ['Result'] }))).toBe('Result')
  })
})

describe('renderExplainTable', () => {
  const text = renderExplainTable(result, plain)

  it('shows PASS, FAIL and a reference miss against the target', () => {
    expect(text).toContain('│ storage-quota │ uploader 3')
    expect(text).toContain('PASS < 5 ms')
    expect(text).toContain('ref miss < 5 ms')
    expect(text).toContain('FAIL < 10 ms')
    expect(text).toContain('seq scan on friendships')
  })

  it('summarises the runs and the main tables only, then the failures', () => {
    const lines = text.split('\n')
    expect(lines.at(-2)).toBe(
      '30 timed runs each after 5 warm-up runs, client-side, on postgres://app:****@db/vrss; tables: posts ~1,500, users ~40',
    )
    expect(lines.at(-1)).toBe('FAIL friends (most friends 9): p95 12 ms > 10 ms')
  })

  it('keeps the warnings out of stdout (the command prints them on stderr)', () => {
    expect(text).not.toContain('these timings say little')
  })

  it('ends with the baseline comparison when there is one', () => {
    const compared = renderExplainTable(
      {
        ...result,
        comparison: [
          {
            query: 'friends',
            subject: 'most friends 9',
            baselineP95: 6,
            p95: 12,
            change: 1,
            regression: true,
            planChanges: ['seq scan on now used: friendships'],
          },
        ],
      },
      plain,
    )
    expect(compared.split('\n').slice(-2)).toEqual([
      'Compared with the baseline:',
      '  friends (most friends 9): p95 6 → 12 ms (+100%) REGRESSION · plan: seq scan on now used: friendships',
    ])
  })
})

describe('comparisonText', () => {
  it('says "new" for an infinite change and flags nothing when all is well', () => {
    const text = comparisonText([
      {
        query: 'badge',
        subject: 'most unread 4',
        baselineP95: 0,
        p95: 0.3,
        change: Number.POSITIVE_INFINITY,
        regression: false,
        planChanges: [],
      },
      {
        query: 'friends',
        subject: 'most friends 9',
        baselineP95: 2,
        p95: 1.5,
        change: -0.25,
        regression: false,
        planChanges: [],
      },
    ])
    expect(text.split('\n')).toEqual([
      'Compared with the baseline:',
      '  badge (most unread 4): p95 0 → 0.3 ms (new)',
      '  friends (most friends 9): p95 2 → 1.5 ms (-25%)',
    ])
  })
})

describe('renderMarkdown', () => {
  const text = renderMarkdown(result)

  it('starts with the heading and the warnings as quotes', () => {
    expect(text.split('\n').slice(0, 4)).toEqual([
      '### vrss-db explain',
      '',
      '> ⚠️ Only 1,500 posts: these timings say little about production',
      '',
    ])
  })

  it('has one table row per timing with max, target and result', () => {
    expect(text).toContain(
      '| storage-quota | uploader 3 | 0.5 ms | 0.8 ms | 1.2 ms | < 5 ms | ✅ PASS | idx_posts_user_created |',
    )
    expect(text).toContain('| ⚠️ miss (reference) |')
    expect(text).toContain('| ❌ FAIL | seq scan on friendships |')
  })

  it('details every plan and ends with the runs and all table sizes', () => {
    expect(text).toContain(
      '- **storage-quota** (uploader 3): Limit → Index Scan; rows estimated 20, actual 18; buffers hit 40, read 2; execution 1.5 ms',
    )
    expect(text.split('\n').at(-1)).toBe(
      '30 runs per query; tables: friendships ~1200, posts ~1500, users ~40',
    )
  })
})

describe('neededPhases', () => {
  it('always needs the phases of the subjects, and phase 5 for the shipped feed', () => {
    expect(neededPhases({ queries: ['friends'], custom: undefined })).toEqual([1, 2, 4])
    expect(neededPhases({ queries: ['feed', 'quota'], custom: undefined })).toEqual([1, 2, 4, 5])
  })

  it('a --file query needs only the subjects', () => {
    const custom = { file: 'q.sql', text: 'select 1', params: [], targetMs: 50 }
    expect(neededPhases({ queries: ['feed'], custom })).toEqual([1, 2, 4])
  })
})

describe('with --replica: the replica timed side by side', () => {
  const replica = (p95: number, pass: boolean) => ({
    p50: 0.4,
    p95,
    max: 2,
    rows: 1,
    pass,
    plan: plan(),
  })
  const both: ExplainResult = {
    ...result,
    replica: 'postgres://app:****@replica/vrss',
    timings: [
      timing({ replica: replica(0.7, true) }),
      timing({
        query: 'friends',
        subject: 'most friends 9',
        targetMs: 10,
        replica: replica(14, false),
      }),
    ],
  }

  it('the table adds the replica p95, marking a miss, and names both servers', () => {
    const text = renderExplainTable(both, plain)
    expect(text).toMatch(/│ p95\s+│ replica p95\s+│ p95 target/)
    expect(text).toMatch(/│ 0\.80 ms │ 0\.70 ms\s+│ PASS < 5 ms/)
    expect(text).toMatch(/│ 14\.0 ms FAIL\s+│ PASS < 10 ms/)
    expect(text).toContain(
      'on postgres://app:****@db/vrss and on the replica postgres://app:****@replica/vrss',
    )
  })

  it('markdown gives the replica p50, p95, max and verdict', () => {
    const md = renderMarkdown(both)
    expect(md).toContain('| 0.5 ms | 0.8 ms | 1.2 ms | 0.4 ms | 0.7 ms | 2 ms | ✅ PASS | < 5 ms |')
    expect(md).toContain('| 0.4 ms | 14 ms | 2 ms | ❌ FAIL | < 10 ms | ✅ PASS |')
  })

  it('without --replica the table keeps its columns', () => {
    expect(renderExplainTable(result, plain)).not.toContain('replica')
  })
})
