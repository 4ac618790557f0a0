// Reconcile's pure pieces: how ids are cut into ranges, which rows a repair locks, how a
// range's findings add up, the session settings and the words of the report.
import { describe, expect, it } from 'vitest'
import { accumulate, type CounterReport, planRanges } from '../../src/lib/reconcile/engine.js'
import {
  DEFAULT_IDS_PER_RANGE,
  parseReconcileOptions,
  reconcileSession,
} from '../../src/lib/reconcile/options.js'
import { suspectIds } from '../../src/lib/reconcile/repair.js'
import { type ReconcileResult, totalDriftedOf } from '../../src/lib/reconcile/run.js'
import { missingFriendshipsLine, progressText, summaryLine } from '../../src/lib/reconcile/text.js'

describe('planRanges', () => {
  it('covers lo..hi with half-open ranges of idsPerRange ids', () => {
    expect(planRanges(1, 10, 4)).toEqual([
      { start: 1, end: 5 },
      { start: 5, end: 9 },
      { start: 9, end: 13 },
    ])
  })
  it('gives one range when the table fits in one', () => {
    expect(planRanges(3, 7, 1_000_000)).toEqual([{ start: 3, end: 1_000_003 }])
  })
  it('gives none for an empty table (min and max coalesced to 0)', () => {
    expect(planRanges(0, 0, 50_000)).toEqual([])
  })
  it('gives one range for a table of a single row', () => {
    expect(planRanges(42, 42, 10)).toEqual([{ start: 42, end: 52 }])
  })
})

describe('suspectIds', () => {
  it('is every drifted id of any counter, once, in ascending order', () => {
    const row = (id: number) => ({ id, expected: 0, stored: 1 })
    expect(
      suspectIds({ likes: [row(9), row(2)], comments: [row(2), row(5)], reposts: [] }),
    ).toEqual([2, 5, 9])
  })
})

describe('accumulate', () => {
  const empty = (): CounterReport => ({
    counter: 'likes',
    target: 'posts.likes_count',
    checked: 0,
    drifted: 0,
    totalDelta: 0,
    repaired: 0,
    examples: [],
  })
  const rows = Array.from({ length: 7 }, (_, i) => ({ id: i + 1, expected: 1, stored: 4 }))

  it('adds checked rows, drift, |delta| and at most 5 examples', () => {
    const report = empty()
    accumulate(report, 100, rows, true)
    accumulate(report, 50, [], true)
    expect(report).toMatchObject({ checked: 150, drifted: 7, totalDelta: 21, repaired: 7 })
    expect(report.examples.map((e) => e.id)).toEqual([1, 2, 3, 4, 5])
  })
  it('repairs nothing when not writing', () => {
    const report = empty()
    accumulate(report, 10, rows, false)
    expect(report).toMatchObject({ drifted: 7, repaired: 0 })
  })
})

describe('options', () => {
  it('--batch-size is the number of ids per range', () => {
    expect(parseReconcileOptions({ batchSize: '5' }).idsPerRange).toBe(5)
    expect(parseReconcileOptions({}).idsPerRange).toBe(DEFAULT_IDS_PER_RANGE)
  })
  it('a repair sets --lock-timeout; the read-only modes are read-only with 5s', () => {
    expect(reconcileSession(parseReconcileOptions({ lockTimeout: '1500ms' }))).toEqual({
      statement_timeout: '5min',
      lock_timeout: '1500ms',
    })
    expect(reconcileSession(parseReconcileOptions({}))).toMatchObject({ lock_timeout: '2s' })
    expect(reconcileSession(parseReconcileOptions({ check: true }))).toEqual({
      statement_timeout: '5min',
      lock_timeout: '5s',
      default_transaction_read_only: 'on',
    })
  })
})

const result: ReconcileResult = {
  exitCode: 0,
  target: 'postgres://db/vrss',
  mode: 'check',
  counters: [
    {
      counter: 'replies',
      target: 'comments.replies_count',
      checked: 10,
      drifted: 2,
      totalDelta: 3,
      repaired: 0,
      examples: [],
    },
  ],
  friendships: { missing: 0, examples: [] },
  batches: 4,
  transactions: 0,
  retries: 0,
  maxBatchMs: 0,
  totalDrifted: 2,
  elapsedMs: 20,
}

describe('report', () => {
  it('counts the missing friendships in the total drift', () => {
    expect(totalDriftedOf(result)).toBe(2)
    expect(totalDriftedOf({ ...result, friendships: { missing: 3, examples: [] } })).toBe(5)
  })
  it('a read-only run names its ranges and nothing of repairs', () => {
    expect(summaryLine(result)).toBe(
      'check: 2 drifted row(s) found on postgres://db/vrss in 20.0 ms (4 ranges, read-only).',
    )
  })
  it('says nothing of friendships when none are missing', () => {
    expect(missingFriendshipsLine(result)).toBeUndefined()
  })
  it('progress names the table and the first id of the range', () => {
    const text = progressText('dry-run')
    expect(text.start).toBe('Checking for drift')
    expect(text.range({ type: 'range-started', table: 'posts', firstId: 150_001 })).toBe(
      'Checking posts from id 150,001',
    )
    expect(progressText('repair').done).toBe('Reconciled')
  })
})
