/**
 * Drift in `vrss-db status`: --check runs the drift core and shows one finding naming what
 * differs, then each difference with its expected and actual value (the differing line of a
 * function body); --schema prints the expected schema as SQL. Kept apart from the status
 * command so that file stays about the status itself.
 */
import type { Report } from '../core.js'
import { usageError } from '../errors.js'
import type { PhaseStatus } from '../migrate/engine.js'
import { type Difference, differingLine } from '../schema/drift.js'
import {
  checkAppliedDrift,
  type DriftEvent,
  type DriftResult,
  describePhases,
  type ExpectedSchema,
  expectedSchema,
} from '../schema/expected.js'
import type { CommandResult } from './command.js'
import type { Context } from './context.js'
import type { Output } from './output.js'

export interface DriftFlags {
  check: boolean
  /** With --check: also list what is in the schema but created by no phase. */
  all?: boolean
  /** Print the expected schema as SQL instead of the status. */
  schema?: boolean
  migrationsTable?: string
}

/** --all and --schema, checked against --check. */
export function parseDriftFlags(raw: Record<string, unknown>): Pick<DriftFlags, 'all' | 'schema'> {
  if (raw.all && !raw.check) {
    throw usageError('--all goes with --check', 'Run `vrss-db status --check --all`.')
  }
  if (raw.schema && raw.check) {
    throw usageError('--schema and --check cannot be used together', 'Run one, then the other.')
  }
  return { all: Boolean(raw.all), schema: Boolean(raw.schema) }
}

/**
 * With --check: drift of the applied phases, the finding it makes (undefined when none), and a
 * warning on stderr when it cannot be checked here (no CREATEDB, a standby).
 */
export async function statusDrift(
  ctx: Context,
  flags: DriftFlags,
  phases: readonly PhaseStatus[],
  schema: string | null,
): Promise<{ drift?: DriftResult; finding?: string }> {
  if (!flags.check) return {}
  const drift = await checkAppliedDrift(
    ctx,
    { phases, schema, migrationsTable: flags.migrationsTable, all: Boolean(flags.all) },
    driftProgress(ctx.out),
  )
  const warning = driftWarning(drift)
  if (warning) ctx.out.warn(warning)
  return { drift, finding: driftFinding(drift) }
}

export type SchemaResult = ExpectedSchema & CommandResult

/** `status --schema`. */
export function runSchema(flags: DriftFlags, ctx: Context): Promise<SchemaResult> {
  return expectedSchema(ctx, flags, driftProgress(ctx.out))
}

export function renderSchema(result: SchemaResult, out: Output): void {
  out.print(result.sql.trimEnd())
}

/** The finding for --check (exit 3), or undefined when the catalog is as the phases say. */
export function driftFinding(drift: DriftResult | undefined): string | undefined {
  if (!drift?.checked || drift.differences.length === 0) return undefined
  const shown = drift.differences
    .slice(0, MAX_NAMED)
    .map((d) => `${d.kind} ${d.name} (${d.differs})`)
  const more = drift.differences.length - shown.length
  return `schema drift from a fresh apply of phase(s) ${phaseList(drift.phases)}: ${shown.join(', ')}${more > 0 ? `, and ${more} more` : ''}`
}

/** Differences named in the finding itself; all of them are listed below it. */
const MAX_NAMED = 10

const phaseList = (versions: number[]) => describePhases(versions.map((version) => ({ version })))

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

export function renderDrift(drift: DriftResult | undefined, out: Output): void {
  if (!drift?.checked) return
  const c = out.color
  const against = `a fresh apply of phase(s) ${phaseList(drift.phases)} (${drift.compared} objects compared)`
  if (drift.differences.length === 0) {
    out.print(c.green(`Drift: none, the catalog equals ${against}.`))
  } else {
    out.print(`${c.bold('Drift')}     ${drift.differences.length} difference(s) from ${against}:`)
    for (const difference of drift.differences) out.print(describeDifference(difference))
  }
  if (drift.extra) {
    const names = drift.extra.map((o) => `${o.kind} ${o.name}`)
    out.print(
      `${c.dim('note:')} not VRSS's (in the schema, created by no phase): ${names.length > 0 ? names.join(', ') : 'nothing'}`,
    )
  }
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
