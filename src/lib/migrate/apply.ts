/**
 * The core of `vrss-db migrate`: applies the pending embedded phases in order, under an
 * advisory lock so that many deploy hosts can run it at once; with --dry-run only plans.
 */
import type { CoreContext, Report } from '../core.js'
import type { ReservedSql, Sql } from '../db/connect.js'
import { type LockHolder, type LockSession, withAdvisoryLock } from '../db/sessions.js'
import { checkFailed } from '../errors.js'
import {
  acceptChecksum,
  comparePhases,
  ensureBookkeeping,
  type PhaseStatus,
  readApplied,
} from './bookkeeping.js'
import { applyMigration, MIGRATION_LOCK } from './engine.js'
import type { Migration } from './files.js'
import type { IndexBuildState } from './index-watch.js'
import { DEFAULT_RETRY, type RetryPolicy, retryOnLockTimeout } from './retry.js'

export interface MigrateOptions {
  migrations: Migration[]
  /** Apply pending phases up to and including this version (all when undefined). */
  phase: number | undefined
  dryRun: boolean
  lockWaitMs: number
  lockTimeoutMs: number
  /** lock_timeout of CREATE INDEX CONCURRENTLY (it also waits for older transactions). */
  indexWaitMs: number
  acceptEdited: boolean
  /** How often a transactional phase that hit its lock_timeout is tried again (--retries). */
  retries?: number
  /** The bookkeeping table (--migrations-table); schema_migrations when undefined. */
  migrationsTable?: string
  /** --yes: migrate even a template database. */
  yes?: boolean
}

export interface AppliedPhase {
  version: number
  name: string
  executionMs: number
}

export interface MigrateResult {
  target: string
  dryRun: boolean
  applied: AppliedPhase[]
  /** Phases that were already applied (no-op). */
  upToDate: number[]
  /** Still pending after this run (above --phase). */
  pending: number[]
  /** Edited phases whose new checksum was accepted with --accept-edited. */
  accepted: number[]
  /** --dry-run: the SQL that would run, per phase. */
  plan?: { version: number; file: string; transactional: boolean; sql: string }[]
}

export type MigrateEvent =
  /** Another runner holds the migration lock; we wait for it (once per run). */
  | { type: 'lock-wait'; holder: LockHolder | undefined }
  | { type: 'phase-start'; version: number; name: string; file: string }
  /** ms undefined: another runner applied the phase first. */
  | { type: 'phase-done'; version: number; file: string; ms: number | undefined }
  | { type: 'phase-failed'; version: number; file: string; transactional: boolean }
  /** Something the runner did by itself, e.g. rebuilt an INVALID index. */
  | { type: 'note'; text: string }
  /** A transactional phase gave up on a table lock and rolled back; it runs again after delayMs. */
  | { type: 'retry'; version: number; file: string; attempt: number; of: number; delayMs: number }
  /** A concurrent index build changed phase or now waits for other transactions. */
  | { type: 'index-build'; file: string; state: IndexBuildState }

export async function migrate(
  ctx: CoreContext,
  options: MigrateOptions,
  report: Report<MigrateEvent>,
): Promise<MigrateResult> {
  if (options.dryRun) return planOnly(ctx, options)
  const lock = {
    timeoutMs: options.lockWaitMs,
    what: 'the migration lock',
    onWait: (holder: LockHolder | undefined) => report({ type: 'lock-wait', holder }),
  }
  return withAdvisoryLock(ctx.sql, MIGRATION_LOCK, lock, async (conn, session) => ({
    target: ctx.target.display,
    dryRun: false,
    ...(await applyPending({ conn, watcher: ctx.sql, session }, options, report)),
  }))
}

/**
 * The connection that holds the migration lock and runs the phases, and another one of the pool
 * that watches concurrent index builds.
 */
interface Runner {
  conn: ReservedSql
  watcher: Sql
  session: LockSession
}

/** Under the migration lock: bookkeeping, accepted checksums, then each pending phase. */
async function applyPending(
  { conn, watcher, session }: Runner,
  options: MigrateOptions,
  report: Report<MigrateEvent>,
): Promise<Omit<MigrateResult, 'target' | 'dryRun'>> {
  await prepareSession(conn)
  await ensureBookkeeping(conn, options.migrationsTable)
  const phases = comparePhases(options.migrations, await readApplied(conn, options.migrationsTable))
  assertRunnable(phases, options.acceptEdited)
  const accepted = await acceptEditedChecksums(conn, options, phases)
  const applied: AppliedPhase[] = []
  for (const migration of selectPending(options, phases)) {
    await session.assertHeld()
    const ms = await applyReported({ conn, watcher, session }, migration, options, report)
    if (ms !== undefined)
      applied.push({ version: migration.version, name: migration.name, executionMs: ms })
  }
  const after = comparePhases(options.migrations, await readApplied(conn, options.migrationsTable))
  return {
    applied,
    upToDate: versions(phases, 'applied').concat(accepted),
    pending: versions(after, 'pending'),
    accepted,
  }
}

/** --dry-run: reads the bookkeeping (no lock, no table created) and lists what would run. */
async function planOnly(ctx: CoreContext, options: MigrateOptions): Promise<MigrateResult> {
  const phases = comparePhases(
    options.migrations,
    await readApplied(ctx.sql, options.migrationsTable),
  )
  assertRunnable(phases, options.acceptEdited)
  return {
    target: ctx.target.display,
    dryRun: true,
    applied: [],
    upToDate: versions(phases, 'applied'),
    pending: versions(phases, 'pending'),
    accepted: [],
    plan: selectPending(options, phases).map((m) => ({
      version: m.version,
      file: m.file,
      transactional: m.transactional,
      sql: m.up,
    })),
  }
}

/** --accept-edited: the edited phases' new checksums become the recorded ones. */
async function acceptEditedChecksums(
  conn: ReservedSql,
  options: MigrateOptions,
  phases: PhaseStatus[],
): Promise<number[]> {
  const accepted: number[] = []
  for (const phase of phases.filter((p) => p.state === 'edited')) {
    const migration = options.migrations.find((m) => m.version === phase.version) as Migration
    await acceptChecksum(conn, migration, options.migrationsTable)
    accepted.push(phase.version)
  }
  return accepted
}

/** One phase, between its start and its done or failed event. */
async function applyReported(
  { conn, watcher }: Runner,
  migration: Migration,
  options: MigrateOptions,
  report: Report<MigrateEvent>,
): Promise<number | undefined> {
  const { version, name, file } = migration
  report({ type: 'phase-start', version, name, file })
  const apply = () =>
    applyMigration(conn, migration, {
      lockTimeoutMs: options.lockTimeoutMs,
      indexWaitMs: options.indexWaitMs,
      table: options.migrationsTable,
      onNote: (text) => report({ type: 'note', text }),
      watcher,
      onIndexBuild: (state) => report({ type: 'index-build', file, state }),
    })
  try {
    // Only a transactional phase is retried: its failure left nothing behind. A no-transaction
    // phase stops and is finished by the next run (concurrent.ts).
    const policy: RetryPolicy = {
      ...DEFAULT_RETRY,
      retries: options.retries ?? DEFAULT_RETRY.retries,
    }
    const ms = migration.transactional
      ? await retryOnLockTimeout(policy, apply, {
          onRetry: (attempt, delayMs) =>
            report({ type: 'retry', version, file, attempt, of: policy.retries, delayMs }),
        })
      : await apply()
    report({ type: 'phase-done', version, file, ms })
    return ms
  } catch (err) {
    report({ type: 'phase-failed', version, file, transactional: migration.transactional })
    throw err
  }
}

/**
 * The migration session's own settings. Waits are bounded by lock_timeout (per phase) and the
 * lock wait; the work itself must not be cut off by a statement_timeout set on the database or
 * role (an index build on a large table takes minutes). client_connection_check_interval makes
 * the server notice a runner that died (kill -9, lost network) during a long statement and stop
 * it, instead of holding its locks until the statement ends (PostgreSQL 14+).
 */
async function prepareSession(conn: ReservedSql): Promise<void> {
  await conn`select set_config('statement_timeout', '0', false)`
  await conn`
    select set_config('client_connection_check_interval', '2s', false)
    where current_setting('server_version_num')::int >= 140000`
}

/** The pending phases up to --phase, in order. */
export function selectPending(
  options: Pick<MigrateOptions, 'migrations' | 'phase'>,
  phases: PhaseStatus[],
): Migration[] {
  const pending = new Set(versions(phases, 'pending'))
  const upTo = options.phase ?? Number.POSITIVE_INFINITY
  return options.migrations.filter((m) => pending.has(m.version) && m.version <= upTo)
}

function versions(phases: PhaseStatus[], state: PhaseStatus['state']): number[] {
  return phases.filter((p) => p.state === state).map((p) => p.version)
}

/** Edited or unknown phases stop a migration (exit 3) unless explicitly accepted. */
export function assertRunnable(phases: PhaseStatus[], acceptEdited: boolean): void {
  const unknown = phases.filter((p) => p.state === 'unknown')
  if (unknown.length > 0) {
    throw checkFailed(
      `The database has phase(s) ${unknown.map((p) => `${p.version} (${p.name})`).join(', ')} that this vrss-db does not know`,
      'The database was migrated by a newer vrss-db: upgrade this one before migrating.',
    )
  }
  const edited = phases.filter((p) => p.state === 'edited')
  if (edited.length > 0 && !acceptEdited) {
    throw checkFailed(
      `Applied phase(s) ${edited.map((p) => `${String(p.version).padStart(3, '0')}_${p.name}`).join(', ')} were edited after they were applied (checksum differs)`,
      'Edits to applied phases never run. Revert the edit and add a new phase instead, or pass --accept-edited to record the new checksum.',
    )
  }
}
