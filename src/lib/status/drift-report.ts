/**
 * How `vrss-db status` shows drift: progress only with --debug, a warning when drift could not
 * be checked, each difference with its expected and actual value (the differing line of a
 * function body), and --schema's SQL.
 */
import type { Report } from '../core.js'
import type { Difference } from '../schema/drift.js'
import { differingLine } from '../schema/drift.js'
import type { DriftEvent, DriftResult, ExpectedSchema } from '../schema/expected.js'
import type { Output } from '../ui/output.js'
import { phaseList } from './drift.js'

/** Progress of the drift core: only with --debug (it takes a second or two). */
export function driftProgress(out: Output): Report<DriftEvent> {
  return (event) => {
    if (event.type === 'scratch-created') out.debug(`drift: scratch database ${event.database}`)
    else if (event.type === 'phases-applied')
      out.debug(`drift: phases applied to ${event.database}`)
    else out.debug(`drift: ${event.objects} objects compared, ${event.differences} difference(s)`)
  }
}

/** A one-line warning when drift could not be checked, for stderr. */
export function driftWarning(drift: DriftResult | undefined): string | undefined {
  return drift && !drift.checked ? `drift not checked: ${drift.reason}` : undefined
}

/** The drift part of the status text (nothing when drift was not checked). */
export function driftLines(drift: DriftResult | undefined, out: Output): string[] {
  if (!drift?.checked) return []
  const c = out.color
  const lines: string[] = []
  const against = `a fresh apply of phase(s) ${phaseList(drift.phases)} (${drift.compared} objects compared)`
  if (drift.differences.length === 0) {
    lines.push(c.green(`Drift: none, the catalog equals ${against}.`))
  } else {
    lines.push(`${c.bold('Drift')}     ${drift.differences.length} difference(s) from ${against}:`)
    for (const difference of drift.differences) lines.push(describeDifference(difference))
  }
  if (drift.extra) {
    const names = drift.extra.map((o) => `${o.kind} ${o.name}`)
    lines.push(
      `${c.dim('note:')} not VRSS's (in the schema, created by no phase): ${names.length > 0 ? names.join(', ') : 'nothing'}`,
    )
  }
  return lines
}

/**
 *   column posts.content: type
 *     expected  text
 *     actual    character varying(500)
 */
export function describeDifference(d: Difference): string {
  const shown = differingLine(d.expected, d.actual)
  const what = shown.line ? `${d.differs}, line ${shown.line}` : d.differs
  const value = (text: string | null) => {
    if (text === null) return d.differs === 'missing' ? '(missing)' : '(none)'
    return shown.line && text.trim() === '' ? '(empty line)' : text
  }
  return [
    `  ${d.kind} ${d.name}: ${what}`,
    `    expected  ${value(shown.expected)}`,
    `    actual    ${value(shown.actual)}`,
  ].join('\n')
}

export function renderSchema(result: ExpectedSchema, out: Output): void {
  out.print(result.sql.trimEnd())
}
