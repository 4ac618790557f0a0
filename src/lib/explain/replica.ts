/**
 * explain --replica: the same measurements on a hot standby, side by side with the target's.
 * A replica's miss of a query's target fails the run like the target's (the API may read
 * there); a different row count says the replica was behind or the data differs.
 */
import type { Measurement, PlanSummary } from './measure.js'

export interface ReplicaTiming {
  p50: number
  p95: number
  max: number
  rows: number
  pass: boolean
  plan: PlanSummary
}

export function replicaTiming(m: Measurement, targetMs: number): ReplicaTiming {
  return { p50: m.p50, p95: m.p95, max: m.max, rows: m.rows, pass: m.p95 <= targetMs, plan: m.plan }
}

interface Timed {
  query: string
  subject: string
  reference: boolean
  targetMs: number
  rows: number
  replica?: ReplicaTiming
}

/** The replica's missed targets (reference queries aside), as lines of `failed`. */
export function replicaMisses(timings: readonly Timed[]): string[] {
  return timings
    .filter((t) => t.replica && !t.replica.pass && !t.reference)
    .map(
      (t) =>
        `${t.query} (${t.subject}) on the replica: p95 ${t.replica?.p95} ms > ${t.targetMs} ms`,
    )
}

/** A warning for each timing whose row count differs between the target and the replica. */
export function rowDifferences(timings: readonly Timed[]): string[] {
  return timings
    .filter((t) => t.replica && t.replica.rows !== t.rows)
    .map(
      (t) =>
        `${t.query} (${t.subject}): ${t.rows} rows on the target but ${t.replica?.rows} on the replica (is it behind?): the timings compare different work.`,
    )
}
