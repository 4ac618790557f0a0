/**
 * The one worker queue: `workers` loops take items in order until none are left. The first
 * failure stops the others from taking more (the items already running finish) and is thrown.
 */
export async function runQueue<T>(
  items: Iterable<T>,
  workers: number,
  work: (item: T, worker: number) => Promise<void>,
): Promise<void> {
  const iterator = items[Symbol.iterator]()
  let failed = false
  const loop = async (worker: number) => {
    // Check for a failure before taking: an item taken from a lazy iterable would be lost.
    while (!failed) {
      const next = iterator.next()
      if (next.done) return
      try {
        await work(next.value, worker)
      } catch (err) {
        failed = true
        throw err
      }
    }
  }
  const results = await Promise.allSettled(Array.from({ length: workers }, (_, i) => loop(i)))
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (rejected) throw rejected.reason
}
