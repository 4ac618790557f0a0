/** Why `status --check` fails: one line per kind of problem, in the order to look at them. */
import type { PhaseStatus } from '../migrate/bookkeeping.js'
import type { SchemaProblems } from '../schema/check.js'

const PROBLEM_LABELS: Record<keyof SchemaProblems, string> = {
  missingTables: 'missing tables',
  missingIndexes: 'missing indexes',
  missingTriggers: 'missing triggers',
  disabledTriggers: 'disabled triggers',
  alteredTriggers: 'triggers calling another function',
  invalidIndexes: 'INVALID indexes',
}

export function describeFindings(
  phases: PhaseStatus[],
  problems: SchemaProblems,
  leftovers: string[],
): string[] {
  const findings: string[] = []
  const list = (state: PhaseStatus['state']) =>
    phases.filter((p) => p.state === state).map((p) => `${p.version} ${p.name}`)
  for (const state of ['pending', 'edited', 'unknown'] as const) {
    if (list(state).length) findings.push(`${state} phases: ${list(state).join(', ')}`)
  }
  for (const [key, label] of Object.entries(PROBLEM_LABELS) as [keyof SchemaProblems, string][]) {
    if (problems[key].length > 0) findings.push(`${label}: ${problems[key].join(', ')}`)
  }
  if (leftovers.length > 0) {
    findings.push(
      `scratch schemas left by interrupted verify-triggers runs (the next verify-triggers run removes them): ${leftovers.join(', ')}`,
    )
  }
  return findings
}
