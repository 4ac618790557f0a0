// How a reconcile report reads: a table for a person at a terminal, logfmt lines for cron logs.
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { type ReconcileResult, render } from '../../src/commands/reconcile.js'
import { Output } from '../../src/lib/ui/output.js'

const result: ReconcileResult = {
  exitCode: 0,
  target: 'postgres://app:****@db/vrss',
  mode: 'repair',
  counters: [
    {
      counter: 'likes',
      target: 'posts.likes_count',
      checked: 1200,
      drifted: 2,
      totalDelta: 6,
      repaired: 2,
      examples: [
        { id: 7, expected: 0, stored: 3 },
        { id: 9, expected: 2, stored: 5 },
      ],
    },
    {
      counter: 'storage',
      target: 'storage_usage (missing rows)',
      checked: 40,
      drifted: 0,
      totalDelta: 0,
      repaired: 0,
      examples: [],
    },
  ],
  friendships: { missing: 1, examples: [{ user_id_1: 3, user_id_2: 8 }] },
  batches: 3,
  transactions: 1,
  retries: 0,
  maxBatchMs: 12,
  totalDrifted: 3,
  elapsedMs: 1500,
}

function rendered(terminal: boolean): string {
  const stdout = Object.assign(new PassThrough(), {
    isTTY: terminal,
  }) as unknown as NodeJS.WriteStream
  let text = ''
  stdout.on('data', (chunk) => {
    text += chunk
  })
  render(result, new Output({ json: false, color: false, debug: false, stdout, env: {} }))
  return text
}

describe('reconcile report', () => {
  it('is a table on a terminal', () => {
    const text = rendered(true)
    expect(text).toMatch(/│ posts\.likes_count\s+│ 1,200\s+│ 2\s+│ 6\s+│ 2\s+│ 7: 0\/3, 9: 2\/5/)
  })

  it('is one logfmt line per counter off a terminal, then the friendships and a summary', () => {
    const lines = rendered(false).trimEnd().split('\n')
    expect(lines).toEqual([
      'counter=likes target="posts.likes_count" checked=1200 drifted=2 delta=6 repaired=2 examples=7:0/3,9:2/5',
      'counter=storage target="storage_usage (missing rows)" checked=40 drifted=0 delta=0 repaired=0',
      '1 mutual follow(s) lack a friendships row (reported, not changed): 3↔8',
      'repair: 2 drifted row(s) repaired, 1 missing friendship(s) reported on postgres://app:****@db/vrss in 1500 ms (3 ranges, 1 repair transactions, longest 12.0 ms, 0 retries).',
    ])
  })
})
