// explain's arithmetic: percentiles of the client-side timings and the summary of a plan.
import { describe, expect, it } from 'vitest'
import { type PlanNode, percentiles, summarise } from '../../src/lib/explain/measure.js'

describe('percentiles', () => {
  it('takes the nearest rank, whatever the order of the runs', () => {
    const times = Array.from({ length: 100 }, (_, i) => 100 - i)
    expect(percentiles(times)).toEqual({ p50: 50, p95: 95, max: 100 })
  })

  it('rounds to hundredths of a millisecond', () => {
    expect(percentiles([1.23456, 2.34567, 3.45678])).toEqual({ p50: 2.35, p95: 3.46, max: 3.46 })
  })

  it('gives the one run for every percentile', () => {
    expect(percentiles([7])).toEqual({ p50: 7, p95: 7, max: 7 })
  })

  it('p95 of 20 runs is the 19th, not the slowest', () => {
    const times = Array.from({ length: 20 }, (_, i) => i + 1)
    expect(percentiles(times)).toEqual({ p50: 10, p95: 19, max: 20 })
  })
})

const node = (type: string, extra: Partial<PlanNode> = {}): PlanNode => ({
  'Node Type': type,
  'Plan Rows': 1,
  'Actual Rows': 1,
  ...extra,
})

describe('summarise', () => {
  it('lists node types outermost first, indexes and sequentially scanned tables once each', () => {
    const root = node('Limit', {
      'Plan Rows': 20,
      'Actual Rows': 18,
      'Shared Hit Blocks': 40,
      'Shared Read Blocks': 2,
      Plans: [
        node('Nested Loop', {
          Plans: [
            node('Index Scan', {
              'Index Name': 'idx_posts_user_created',
              'Relation Name': 'posts',
            }),
            node('Seq Scan', { 'Relation Name': 'user_follows' }),
            node('Index Scan', {
              'Index Name': 'idx_posts_user_created',
              'Relation Name': 'posts',
            }),
            node('Parallel Seq Scan', { 'Relation Name': 'user_follows' }),
          ],
        }),
      ],
    })
    expect(summarise(root, 1.23456)).toEqual({
      nodeTypes: ['Limit', 'Nested Loop', 'Index Scan', 'Seq Scan', 'Parallel Seq Scan'],
      indexes: ['idx_posts_user_created'],
      seqScans: ['user_follows'],
      estimatedRows: 20,
      actualRows: 18,
      sharedHitBlocks: 40,
      sharedReadBlocks: 2,
      executionMs: 1.23,
    })
  })

  it('counts missing buffer figures as 0', () => {
    const summary = summarise(node('Result'), 0)
    expect(summary.sharedHitBlocks).toBe(0)
    expect(summary.sharedReadBlocks).toBe(0)
    expect(summary.indexes).toEqual([])
    expect(summary.seqScans).toEqual([])
  })
})
