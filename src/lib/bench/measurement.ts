/**
 * What one driver run of one workload measures, and the statistics both drivers share.
 */
import type { Workload } from './workloads.js'

export interface DriveSpec {
  workload: Workload
  /** search_path of the driving sessions: the scratch schema (real or floor) first. */
  searchPath: string
  clients: number
  durationMs: number
  /** pgbench -D variables: users, posts, hot. */
  variables: Record<string, number>
  seed: number
}

export interface Measurement {
  /** Committed transactions. */
  transactions: number
  tps: number
  /** Latency of committed transactions, milliseconds. */
  p50: number
  p95: number
  p99: number
  deadlocks: number
  serialization: number
  /** Other failed transactions (pgbench: aborted clients). */
  otherErrors: number
}

/** What one slice of a run gives: the latencies of its committed transactions and its failures. */
export interface Sample {
  latenciesMs: number[]
  seconds: number
  deadlocks: number
  serialization: number
  otherErrors: number
}

/** The slices of one copy's run, summarized together. */
export function merge(samples: Sample[]): Measurement {
  const sum = (pick: (s: Sample) => number) => samples.reduce((n, s) => n + pick(s), 0)
  return summarize(
    samples.flatMap((s) => s.latenciesMs),
    sum((s) => s.seconds),
    {
      deadlocks: sum((s) => s.deadlocks),
      serialization: sum((s) => s.serialization),
      otherErrors: sum((s) => s.otherErrors),
    },
  )
}

/** The q-quantile (0..1) of ascending values, nearest rank; 0 for none. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank] as number
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits

export function summarize(
  latenciesMs: number[],
  seconds: number,
  errors: Pick<Measurement, 'deadlocks' | 'serialization' | 'otherErrors'>,
  tps?: number,
): Measurement {
  const sorted = [...latenciesMs].sort((a, b) => a - b)
  return {
    transactions: sorted.length,
    tps: round(tps ?? (seconds > 0 ? sorted.length / seconds : 0), 1),
    p50: round(quantile(sorted, 0.5), 3),
    p95: round(quantile(sorted, 0.95), 3),
    p99: round(quantile(sorted, 0.99), 3),
    ...errors,
  }
}
