/**
 * `explain --baseline`: compares this run with an earlier `--json` result — p95 regressions
 * beyond a tolerance, and plan changes (node types, indexes, sequential scans).
 */
import { readFileSync } from 'node:fs'
import { usageError } from '../errors.js'
import type { PlanSummary } from './measure.js'

export interface TimingLike {
  query: string
  subject: string
  p95: number
  plan: PlanSummary
}

export interface Comparison {
  query: string
  subject: string
  baselineP95: number
  p95: number
  /** Relative change of p95, e.g. 0.25 = 25% slower. */
  change: number
  regression: boolean
  planChanges: string[]
}

/** Timings below this difference are noise, whatever the ratio. */
const NOISE_FLOOR_MS = 0.1

export function loadBaseline(file: string): TimingLike[] {
  let document: unknown
  try {
    document = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw usageError(
      `Cannot read --baseline ${file}: ${(err as Error).message}`,
      'Give the output of an earlier `vrss-db explain --json`.',
    )
  }
  const timings = (document as { timings?: unknown }).timings
  if (!Array.isArray(timings)) {
    throw usageError(`--baseline ${file} is not an explain --json result (no "timings")`)
  }
  return timings as TimingLike[]
}

/** Subjects carry ids that change with the data; "typical reader 5046" matches "typical reader 17". */
function subjectKind(subject: string): string {
  return subject.replace(/\s+\d+$/, '')
}

export function compare(
  current: TimingLike[],
  baseline: TimingLike[],
  tolerance: number,
): Comparison[] {
  const result: Comparison[] = []
  for (const now of current) {
    const before = baseline.find(
      (b) => b.query === now.query && subjectKind(b.subject) === subjectKind(now.subject),
    )
    if (!before) continue
    const change = before.p95 > 0 ? now.p95 / before.p95 - 1 : Number.POSITIVE_INFINITY
    result.push({
      query: now.query,
      subject: now.subject,
      baselineP95: before.p95,
      p95: now.p95,
      change: Math.round(change * 1000) / 1000,
      regression: change > tolerance && now.p95 - before.p95 > NOISE_FLOOR_MS,
      planChanges: planChanges(before.plan, now.plan),
    })
  }
  return result
}

function planChanges(before: PlanSummary, now: PlanSummary): string[] {
  const changes: string[] = []
  const diff = (label: string, a: string[], b: string[]) => {
    const gone = a.filter((x) => !b.includes(x))
    const added = b.filter((x) => !a.includes(x))
    if (gone.length) changes.push(`${label} no longer used: ${gone.join(', ')}`)
    if (added.length) changes.push(`${label} now used: ${added.join(', ')}`)
  }
  diff('index', before.indexes, now.indexes)
  diff('seq scan on', before.seqScans, now.seqScans)
  diff('node', before.nodeTypes, now.nodeTypes)
  return changes
}
