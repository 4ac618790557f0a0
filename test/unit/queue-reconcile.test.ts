// runQueue as reconcile uses it: a fixed number of workers (one connection each) take the jobs
// in order, and the first failure stops the queue once the jobs in flight are done.
import { describe, expect, it } from 'vitest'
import { runQueue } from '../../src/lib/queue.js'

const tick = () => new Promise((resolve) => setTimeout(resolve, 1))

describe('runQueue for reconcile', () => {
  it('runs every job once, in order of taking, on worker 0 or 1 only', async () => {
    const taken: number[] = []
    const workers = new Set<number>()
    await runQueue([1, 2, 3, 4, 5], 2, async (job, worker) => {
      taken.push(job)
      workers.add(worker)
      await tick()
    })
    expect(taken).toEqual([1, 2, 3, 4, 5])
    expect([...workers].sort()).toEqual([0, 1])
  })

  it('never runs more jobs at once than workers', async () => {
    let running = 0
    let most = 0
    await runQueue(
      Array.from({ length: 10 }, (_, i) => i),
      2,
      async () => {
        running++
        most = Math.max(most, running)
        await tick()
        running--
      },
    )
    expect(most).toBe(2)
  })

  it('stops taking jobs after a failure, lets the running one finish, and throws it', async () => {
    const finished: number[] = []
    const run = runQueue([1, 2, 3, 4, 5, 6], 2, async (job) => {
      if (job === 1) throw new Error('permission denied')
      await tick()
      finished.push(job)
    })
    await expect(run).rejects.toThrow('permission denied')
    expect(finished).toEqual([2])
  })
})
