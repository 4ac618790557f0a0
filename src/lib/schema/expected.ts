/**
 * The drift core: the catalog a fresh apply of the applied phases gives (on a scratch database
 * of the target's server, dropped afterwards) compared with the live one, and the same expected
 * catalog written as SQL (`status --schema`). Never prints; reports through `report`.
 */
import type { CoreContext, Report } from '../core.js'
import type { Sql } from '../db/connect.js'
import { isPostgresError, VrssError } from '../errors.js'
import {
  comparePhases,
  DEFAULT_MIGRATIONS_TABLE,
  type PhaseStatus,
  readApplied,
} from '../migrate/bookkeeping.js'
import { loadMigrations, type Migration } from '../migrate/files.js'
import { applyPhase, withScratchDatabase } from '../migrate/scratch.js'
import { type CatalogSnapshot, readCatalog } from './catalog.js'
import { schemaSql } from './ddl.js'
import {
  type CatalogComparison,
  compareCatalogs,
  type Difference,
  type ObjectRef,
} from './drift.js'

export type DriftEvent =
  | { type: 'scratch-created'; database: string }
  | { type: 'phases-applied'; database: string; phases: number[] }
  | { type: 'compared'; objects: number; differences: number }

export interface DriftOptions {
  /** The phases applied to the target, in order: the scratch database gets exactly these. */
  phases: readonly Migration[]
  /** The schema holding VRSS's objects on the target (its current schema). */
  schema: string
  /** Tables of vrss-db's own bookkeeping (schema_migrations, …): never listed as extra. */
  bookkeeping: readonly string[]
  /** List what is not VRSS's too. */
  all: boolean
}

export type DriftSkipCode =
  | 'SCRATCH_NOT_ALLOWED'
  | 'SCRATCH_READ_ONLY'
  | 'SCRATCH_PHASE_FAILED'
  | 'SCRATCH_REFUSED'
  | 'UNKNOWN_PHASES'
  | 'LOCKED'

export type DriftResult =
  | {
      checked: true
      phases: number[]
      /** The scratch database it was compared with (dropped by now). */
      scratchDatabase: string
      compared: number
      differences: Difference[]
      /** With --all: objects of the schema that no phase creates. */
      extra?: ObjectRef[]
    }
  | { checked: false; code: DriftSkipCode; reason: string }

/** Scratch errors that mean "cannot check drift here", not "the check failed". */
const SKIP_REASONS = {
  SCRATCH_NOT_ALLOWED:
    'the role may not create databases (CREATEDB), and drift compares with a scratch database built from the phases',
  SCRATCH_READ_ONLY:
    'a read-only server (hot standby) cannot hold the scratch database drift compares with; check the primary',
  SCRATCH_REFUSED:
    'the server refuses this role a connection to the scratch database drift compares with (pg_hba.conf allows only some databases?)',
  LOCKED:
    "a table is locked by another session (a migration?), so the live catalog could not be read within status's lock_timeout; run it again once that is done",
} as const

/** Why drift cannot be checked here, or undefined for an error that is a real failure. */
function skipped(err: unknown): DriftResult | undefined {
  if (isPostgresError(err) && err.code === '55P03') {
    return { checked: false, code: 'LOCKED', reason: SKIP_REASONS.LOCKED }
  }
  if (!(err instanceof VrssError)) return undefined
  if (err.code === 'SCRATCH_PHASE_FAILED') {
    return { checked: false, code: err.code, reason: err.message }
  }
  if (err.code === 'SCRATCH_NOT_ALLOWED' || err.code === 'SCRATCH_READ_ONLY') {
    return { checked: false, code: err.code, reason: SKIP_REASONS[err.code] }
  }
  // Connecting to the scratch database: the target's own connection already works.
  if (err.code === 'AUTH_REJECTED') {
    return { checked: false, code: 'SCRATCH_REFUSED', reason: SKIP_REASONS.SCRATCH_REFUSED }
  }
  return undefined
}

export async function checkDrift(
  ctx: CoreContext,
  options: DriftOptions,
  report: Report<DriftEvent>,
): Promise<DriftResult> {
  try {
    const expected = await expectedCatalog(ctx, options.phases, report)
    const live = await readCatalog(ctx.sql, options.schema)
    const comparison = compareCatalogs(expected.snapshot, live)
    report({
      type: 'compared',
      objects: comparison.compared,
      differences: comparison.differences.length,
    })
    return {
      checked: true,
      phases: options.phases.map((p) => p.version),
      scratchDatabase: expected.database,
      compared: comparison.compared,
      differences: comparison.differences,
      ...(options.all ? { extra: extraObjects(comparison, options.bookkeeping) } : {}),
    }
  } catch (err) {
    const skip = skipped(err)
    if (skip) return skip
    throw err
  }
}

export interface AppliedDriftOptions {
  /** Every phase's state on the target (status has read them already). */
  phases: readonly PhaseStatus[]
  /** The target's current schema; null when its search_path names none. */
  schema: string | null
  migrationsTable?: string
  all: boolean
}

/**
 * Drift of the phases the target has applied (an edited phase as it is now), or undefined
 * when there is nothing to compare: nothing applied, or no schema (both already findings).
 */
export async function checkAppliedDrift(
  ctx: CoreContext,
  options: AppliedDriftOptions,
  report: Report<DriftEvent>,
): Promise<DriftResult | undefined> {
  const unknown = options.phases.filter((p) => p.state === 'unknown')
  if (unknown.length > 0) {
    return {
      checked: false,
      code: 'UNKNOWN_PHASES',
      reason: `the database has phase(s) this vrss-db does not know (${unknown.map((p) => p.version).join(', ')}), so it cannot build what they created`,
    }
  }
  const phases = appliedMigrations(options.phases)
  if (phases.length === 0 || options.schema === null) return undefined
  return checkDrift(
    ctx,
    {
      phases,
      schema: options.schema,
      bookkeeping: [options.migrationsTable ?? DEFAULT_MIGRATIONS_TABLE, 'vrss_seed_loads'],
      all: options.all,
    },
    report,
  )
}

/** The embedded phases that are applied (or applied and edited since), in order. */
export function appliedMigrations(
  phases: readonly PhaseStatus[],
  migrations: readonly Migration[] = loadMigrations(),
): Migration[] {
  const applied = new Set(
    phases.filter((p) => p.state === 'applied' || p.state === 'edited').map((p) => p.version),
  )
  return migrations.filter((m) => applied.has(m.version))
}

/** vrss-db's own tables (and what hangs on them) are not "someone else's objects". */
function extraObjects(comparison: CatalogComparison, bookkeeping: readonly string[]): ObjectRef[] {
  const own = (ref: ObjectRef) =>
    bookkeeping.some(
      (table) =>
        (ref.kind === 'table' && ref.name === table) ||
        (ref.kind === 'sequence' && ref.name.startsWith(`${table}_`)),
    )
  return comparison.extra.filter((ref) => !own(ref))
}

/** The catalog of a fresh apply of `phases`, read from a scratch database. */
export async function expectedCatalog(
  ctx: CoreContext,
  phases: readonly Migration[],
  report: Report<DriftEvent>,
): Promise<{ snapshot: CatalogSnapshot; database: string }> {
  return withScratchDatabase(ctx, [], async (scratch) => {
    report({ type: 'scratch-created', database: scratch.database })
    for (const phase of phases) await applyOnScratch(scratch.sql, phase)
    report({
      type: 'phases-applied',
      database: scratch.database,
      phases: phases.map((p) => p.version),
    })
    // Where the phases created their objects: public, unless the role's search_path says else.
    const [row] = await scratch.sql<{ schema: string }[]>`select current_schema() as schema`
    const snapshot = await readCatalog(scratch.sql, row?.schema ?? 'public')
    return { snapshot, database: scratch.database }
  })
}

/** A phase that does not apply to an empty database: said with its name, not as a bare error. */
async function applyOnScratch(sql: Sql, phase: Migration): Promise<void> {
  try {
    await applyPhase(sql, phase)
  } catch (err) {
    if (!isPostgresError(err)) throw err
    throw new VrssError(`phase ${phase.file} failed on the scratch database: ${err.message}`, {
      code: 'SCRATCH_PHASE_FAILED',
      cause: err,
    })
  }
}

export interface ExpectedSchema {
  phases: number[]
  /** Nothing is applied on the target: the schema of every embedded phase instead. */
  allPhases: boolean
  sql: string
}

/**
 * `status --schema`: the schema the target's applied phases give, as SQL; every embedded
 * phase's when none is applied yet (what `migrate` would create).
 */
export async function expectedSchema(
  ctx: CoreContext,
  options: { migrationsTable?: string },
  report: Report<DriftEvent>,
): Promise<ExpectedSchema> {
  const migrations = loadMigrations()
  const states = comparePhases(migrations, await readApplied(ctx.sql, options.migrationsTable))
  const applied = appliedMigrations(states, migrations)
  const phases = applied.length > 0 ? applied : migrations
  const { snapshot } = await expectedCatalog(ctx, phases, report)
  return {
    phases: phases.map((p) => p.version),
    allPhases: applied.length === 0,
    sql: schemaSql(snapshot, `VRSS schema of phase(s) ${describePhases(phases)}`),
  }
}

/** "001–007", "001, 003", or "none". */
export function describePhases(phases: readonly Pick<Migration, 'version'>[]): string {
  const numbers = phases.map((p) => String(p.version).padStart(3, '0'))
  if (numbers.length === 0) return 'none'
  const contiguous = phases.every(
    (p, i) => i === 0 || p.version === (phases[i - 1]?.version ?? 0) + 1,
  )
  return contiguous && numbers.length > 2
    ? `${numbers[0]}–${numbers[numbers.length - 1]}`
    : numbers.join(', ')
}
