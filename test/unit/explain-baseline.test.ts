// explain --baseline: which p95 changes are regressions, and how plan changes read.
import { describe, expect, it } from 'vitest'
import { compare, type TimingLike } from '../../src/lib/explain/baseline.js'
import type { PlanSummary } from '../../src/lib/explain/measure.js'

const plan = (over: Partial<PlanSummary> = {}): PlanSummary => ({
  nodeTypes: ['Limit', 'Index Scan'],
  indexes: ['idx_posts_user_created'],
  seqScans: [],
  estimatedRows: 20,
  actualRows: 20,
  sharedHitBlocks: 10,
  sharedReadBlocks: 0,
  executionMs: 1,
  ...over,
})
const timing = (p95: number, over: Partial<TimingLike> = {}): TimingLike => ({
  query: 'feed (shipped)',
  subject: 'typical reader 17',
  p95,
  plan: plan(),
  ...over,
})

describe('compare', () => {
  it('matches subjects by kind, not by the id that changes with the data', () => {
    const [c] = compare([timing(10, { subject: 'typical reader 5046' })], [timing(10)], 0.2)
    expect(c).toMatchObject({ subject: 'typical reader 5046', baselineP95: 10, change: 0 })
  })

  it('flags a slowdown beyond the tolerance as a regression', () => {
    const [c] = compare([timing(13)], [timing(10)], 0.2)
    expect(c).toMatchObject({ change: 0.3, regression: true, planChanges: [] })
  })

  it('does not flag a slowdown within the tolerance', () => {
    expect(compare([timing(11.5)], [timing(10)], 0.2)[0]?.regression).toBe(false)
  })

  it('ignores differences below 0.1 ms, whatever the ratio', () => {
    expect(compare([timing(0.08)], [timing(0.02)], 0.2)[0]?.regression).toBe(false)
  })

  it('a baseline p95 of 0 gives an infinite change', () => {
    const [c] = compare([timing(5)], [timing(0)], 0.2)
    expect(c?.change).toBe(Number.POSITIVE_INFINITY)
    expect(c?.regression).toBe(true)
  })

  it('skips timings the baseline does not have', () => {
    expect(compare([timing(5, { query: 'friends' })], [timing(5)], 0.2)).toEqual([])
  })

  it('names indexes, sequential scans and node types that came or went', () => {
    const now = timing(10, {
      plan: plan({ indexes: [], seqScans: ['posts'], nodeTypes: ['Limit', 'Seq Scan'] }),
    })
    expect(compare([now], [timing(10)], 0.2)[0]?.planChanges).toEqual([
      'index no longer used: idx_posts_user_created',
      'seq scan on now used: posts',
      'node no longer used: Index Scan',
      'node now used: Seq Scan',
    ])
  })
})
