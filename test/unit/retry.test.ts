import { describe, expect, it } from 'vitest'
import { retryDelay, retryOnLockTimeout } from '../../src/lib/migrate/retry.js'

const policy = { retries: 3, baseDelayMs: 1000, maxDelayMs: 5000 }
const lockTimeout = Object.assign(new Error('canceling statement due to lock timeout'), {
  code: '55P03',
})

describe('retry on lock timeout', () => {
  it('delays double up to the maximum, scaled by the jitter', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelay(policy, n, () => 1))).toEqual([
      1000, 2000, 4000, 5000, 5000,
    ])
    expect(retryDelay(policy, 3, () => 0.5)).toBe(2000)
    expect(retryDelay(policy, 3, () => 0)).toBe(0)
  })

  it('retries a lock timeout at most `retries` times, then throws it', async () => {
    let calls = 0
    const waits: number[] = []
    const work = async () => {
      calls++
      throw lockTimeout
    }
    await expect(
      retryOnLockTimeout(policy, work, {
        sleep: async (ms) => void waits.push(ms),
        random: () => 1,
      }),
    ).rejects.toBe(lockTimeout)
    expect(calls).toBe(4)
    expect(waits).toEqual([1000, 2000, 4000])
  })

  it('succeeds on a later attempt and reports each retry', async () => {
    let calls = 0
    const reported: number[] = []
    const result = await retryOnLockTimeout(
      policy,
      async () => {
        if (++calls < 3) throw lockTimeout
        return 'done'
      },
      { sleep: async () => undefined, onRetry: (attempt) => reported.push(attempt) },
    )
    expect(result).toBe('done')
    expect(reported).toEqual([1, 2])
  })

  it('does not retry other errors', async () => {
    let calls = 0
    const other = Object.assign(new Error('syntax'), { code: '42601' })
    await expect(
      retryOnLockTimeout(policy, async () => {
        calls++
        throw other
      }),
    ).rejects.toBe(other)
    expect(calls).toBe(1)
  })
})
