/**
 * A transactional phase that gave up on a table lock (lock_timeout, SQLSTATE 55P03) rolled back
 * entirely, so running it again is safe: the application's long query that held the lock has
 * usually finished a few seconds later. Waits grow exponentially with full jitter (so several
 * deploy hosts do not retry in step) and the number of attempts is bounded.
 */

export interface RetryPolicy {
  /** Attempts after the first one; 0 = never retry. */
  retries: number
  /** The first wait's upper bound; each later one doubles, up to maxDelayMs. */
  baseDelayMs: number
  maxDelayMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, baseDelayMs: 1_000, maxDelayMs: 30_000 }

/** The wait before retry number `attempt` (1-based): uniform in [0, min(max, base·2^(attempt-1))]. */
export function retryDelay(policy: RetryPolicy, attempt: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
  return Math.round(random() * ceiling)
}

export function isLockTimeout(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === '55P03'
}

export interface RetryHooks {
  /** Told before each wait: which retry this is, and how long it waits. */
  onRetry?: (attempt: number, delayMs: number, err: unknown) => void
  sleep?: (ms: number) => Promise<void>
  random?: () => number
}

/** Runs `work`, again after a lock timeout, at most `policy.retries` more times. */
export async function retryOnLockTimeout<T>(
  policy: RetryPolicy,
  work: () => Promise<T>,
  hooks: RetryHooks = {},
): Promise<T> {
  const sleep = hooks.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  for (let attempt = 1; ; attempt++) {
    try {
      return await work()
    } catch (err) {
      if (!isLockTimeout(err) || attempt > policy.retries) throw err
      const delay = retryDelay(policy, attempt, hooks.random ?? Math.random)
      hooks.onRetry?.(attempt, delay, err)
      await sleep(delay)
    }
  }
}
