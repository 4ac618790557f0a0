// The one worker queue: every item once, never more than `workers` at a time, and the first
// failure stops the taking of new items and is what the caller sees.
import { describe, expect, it } from 'vitest'
import { runQueue } from '../../src/lib/queue.js'

const tick = () => new Promise((resolve) => setTimeout(resolve, 1))

describe('runQueue', () => {
  it('does every item exactly once, in order of taking', async () => {
    const done: number[] = []
    await runQueue([1, 2, 3, 4, 5], 2, async (item) => {
      await tick()
      done.push(item)
    })
    expect([...done].sort()).toEqual([1, 2, 3, 4, 5])
  })

  it('runs at most `workers` items at once, and uses them all', async () => {
    let running = 0
    let most = 0
    await runQueue(
      Array.from({ length: 10 }, (_, i) => i),
      3,
      async () => {
        running++
        most = Math.max(most, running)
        await tick()
        running--
      },
    )
    expect(most).toBe(3)
  })

  it('tells each item which worker took it', async () => {
    const workers = new Set<number>()
    await runQueue([1, 2, 3, 4], 2, async (_, worker) => {
      workers.add(worker)
      await tick()
    })
    expect([...workers].sort()).toEqual([0, 1])
  })

  it('throws the first failure and starts nothing after it; the running item finishes', async () => {
    const started: number[] = []
    const finished: number[] = []
    const run = runQueue([1, 2, 3, 4, 5, 6], 2, async (item) => {
      started.push(item)
      if (item === 1) throw new Error('item 1 failed')
      await tick()
      finished.push(item)
    })
    await expect(run).rejects.toThrow('item 1 failed')
    expect(started).toEqual([1, 2])
    expect(finished).toEqual([2])
  })

  it('takes nothing more from the iterable after a failure', async () => {
    const taken: number[] = []
    function* items() {
      for (let i = 1; i <= 6; i++) {
        taken.push(i)
        yield i
      }
    }
    const run = runQueue(items(), 2, async (item) => {
      if (item === 1) throw new Error('item 1 failed')
      await tick()
    })
    await expect(run).rejects.toThrow('item 1 failed')
    expect(taken).toEqual([1, 2])
  })

  it('takes items lazily from any iterable, and an empty one is fine', async () => {
    function* items() {
      yield 'a'
      yield 'b'
    }
    const seen: string[] = []
    await runQueue(items(), 4, async (item) => {
      seen.push(item)
    })
    expect(seen).toEqual(['a', 'b'])
    await expect(runQueue([], 2, async () => undefined)).resolves.toBeUndefined()
  })
})
