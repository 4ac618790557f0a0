/**
 * Drift in `vrss-db status`: with --check the live catalog is compared with a fresh apply of
 * the applied phases on a scratch database (src/lib/schema/expected.ts); one finding names what
 * differs. --schema prints that expected schema as SQL instead of the status.
 */
import type { CoreContext, Report } from '../core.js'
import { usageError } from '../errors.js'
import type { PhaseStatus } from '../migrate/bookkeeping.js'
import {
  checkAppliedDrift,
  type DriftEvent,
  type DriftResult,
  describePhases,
} from '../schema/expected.js'

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
 * With --check: drift of the applied phases and the finding it makes (undefined when none).
 * When it cannot be checked here (no CREATEDB, a standby) the result says why (`checked` false).
 */
export async function statusDrift(
  ctx: CoreContext,
  flags: DriftFlags,
  phases: readonly PhaseStatus[],
  schema: string | null,
  report: Report<DriftEvent>,
): Promise<{ drift?: DriftResult; finding?: string }> {
  if (!flags.check) return {}
  const drift = await checkAppliedDrift(
    ctx,
    { phases, schema, migrationsTable: flags.migrationsTable, all: Boolean(flags.all) },
    report,
  )
  return { drift, finding: driftFinding(drift) }
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

export const phaseList = (versions: number[]) =>
  describePhases(versions.map((version) => ({ version })))
