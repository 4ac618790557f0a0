/**
 * The reconcile core: refuses a database without the counters' phases, or a role that cannot
 * repair them, then runs the engine under the reconcile lock — one run at a time, so that an
 * overlapping cron run stops at once instead of doubling the work. With --read-from, the
 * detection reads a replica, trusted only once it has replayed the primary's WAL position of
 * the start of the run (readFromReplica).
 */
import type { CommandResult, CoreContext, Report } from '../core.js'
import { awaitReplay, openReplica, type ReplayCheck, type Replica } from '../db/replica.js'
import { withAdvisoryLock } from '../db/sessions.js'
import { ExitCode, isPostgresError, VrssError } from '../errors.js'
import { readOnlyReason, requireMigrated } from '../preflight/checks.js'
import {
  hasTimelines,
  syncTimelines,
  type TimelineEvent,
  type TimelineReport,
} from '../timeline/sync.js'
import { type RangeStarted, type ReconcileStats, reconcile } from './engine.js'
import type { ReconcileCommandOptions, ReconcileMode } from './options.js'
import { assertCanRepair, cannotCheck, cannotRepair } from './privileges.js'

export const RECONCILE_LOCK = 'vrss-db:reconcile'

/** The engine's workers: connections opened on a --read-from replica. */
const WORKERS = 2

/** The counters and the storage totals live in the tables of these phases. */
const COUNTER_PHASES = [1, 2]

/** Progress: the lock is held and the ranges start (then one event per range). */
export type ReconcileEvent =
  | { type: 'replica-wait'; replica: string }
  | { type: 'scan-started' }
  | RangeStarted
  | TimelineEvent

export interface ReconcileResult extends CommandResult, ReconcileStats {
  target: string
  mode: ReconcileMode
  totalDrifted: number
  elapsedMs: number
  /** With --read-from: the replica detection read, and the positions that made it trusted. */
  readFrom?: ReplayCheck & { replica: string }
  /** Phase 10: the feed timelines (checked on the target, never on a --read-from replica). */
  timelines?: TimelineReport
}

export async function runReconcile(
  ctx: CoreContext,
  options: ReconcileCommandOptions,
  report: Report<ReconcileEvent>,
): Promise<ReconcileResult> {
  const started = performance.now()
  await requireMigrated(ctx, {
    action: 'reconcile',
    migrationsTable: options.migrationsTable,
    phases: COUNTER_PHASES,
  })
  const write = options.mode === 'repair'
  if (write) await assertCanRepair(ctx.sql, options.only)
  const replica = options.readFrom ? await readFromReplica(ctx, options) : undefined
  let readFrom: ReconcileResult['readFrom']
  const stats = await withAdvisoryLock(
    ctx.sql,
    RECONCILE_LOCK,
    { timeoutMs: 0, what: 'Another reconcile run' },
    async () => {
      if (replica) {
        report({ type: 'replica-wait', replica: replica.display })
        const check = await awaitReplay(ctx.sql, replica, options.replicaWaitMs, '--read-from')
        readFrom = { replica: replica.display, ...check }
      }
      report({ type: 'scan-started' })
      const privilegeError = (err: unknown) => {
        if (!isPostgresError(err) || err.code !== '42501') throw err
        throw write ? cannotRepair(err.message) : cannotCheck(err.message)
      }
      const counters = await reconcile(ctx.sql, {
        only: options.only,
        write,
        batchSize: options.idsPerRange,
        lockTimeoutMs: options.lockTimeoutMs,
        report,
        readFrom: replica?.sql,
      }).catch(privilegeError)
      const timelines =
        options.only.includes('timelines') && (await hasTimelines(ctx.sql))
          ? await syncTimelines(ctx.sql, { write }, report).catch(privilegeError)
          : undefined
      return { ...counters, ...(timelines ? { timelines } : {}) }
    },
  )
  const totalDrifted = totalDriftedOf(stats)
  return {
    exitCode: options.mode === 'check' && totalDrifted > 0 ? ExitCode.checkFailed : ExitCode.ok,
    target: ctx.target.display,
    mode: options.mode,
    ...stats,
    totalDrifted,
    elapsedMs: Math.round(performance.now() - started),
    ...(readFrom ? { readFrom } : {}),
  }
}

/**
 * The --read-from replica, opened for the workers' detection queries. The target must be the
 * primary: its current WAL position is what the replica must have replayed.
 */
async function readFromReplica(
  ctx: CoreContext,
  options: ReconcileCommandOptions,
): Promise<Replica> {
  if ((await readOnlyReason(ctx.sql)) === 'replica') {
    throw new VrssError(
      `--read-from needs the primary as the target, but ${ctx.target.display} is itself a replica (in recovery)`,
      {
        hint: 'Give --database-url the primary, or drop --read-from to read this replica directly (with --dry-run or --check).',
        code: 'READ_FROM_NEEDS_PRIMARY',
      },
    )
  }
  return openReplica(ctx, options.readFrom as NonNullable<typeof options.readFrom>, '--read-from', {
    max: WORKERS,
    session: { statement_timeout: '5min', lock_timeout: '5s' },
  })
}

/** Drifted rows of every counter, the missing friendships (reported, never repaired) and the timelines lacking entries. */
export function totalDriftedOf(
  stats: Pick<ReconcileStats, 'counters' | 'friendships'> & { timelines?: TimelineReport },
): number {
  return (
    stats.counters.reduce((sum, c) => sum + c.drifted, 0) +
    stats.friendships.missing +
    (stats.timelines?.drifted ?? 0)
  )
}
