/**
 * The reconcile core: refuses a database without the counters' phases, or a role that cannot
 * repair them, then runs the engine under the reconcile lock — one run at a time, so that an
 * overlapping cron run stops at once instead of doubling the work.
 */
import type { CommandResult, CoreContext, Report } from '../core.js'
import { withAdvisoryLock } from '../db/sessions.js'
import { ExitCode, isPostgresError } from '../errors.js'
import { requireMigrated } from '../preflight/checks.js'
import { type RangeStarted, type ReconcileStats, reconcile } from './engine.js'
import type { ReconcileCommandOptions, ReconcileMode } from './options.js'
import { assertCanRepair, cannotCheck, cannotRepair } from './privileges.js'

export const RECONCILE_LOCK = 'vrss-db:reconcile'

/** The counters and the storage totals live in the tables of these phases. */
const COUNTER_PHASES = [1, 2]

/** Progress: the lock is held and the ranges start (then one event per range). */
export type ReconcileEvent = { type: 'scan-started' } | RangeStarted

export interface ReconcileResult extends CommandResult, ReconcileStats {
  target: string
  mode: ReconcileMode
  totalDrifted: number
  elapsedMs: number
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
  const stats = await withAdvisoryLock(
    ctx.sql,
    RECONCILE_LOCK,
    { timeoutMs: 0, what: 'Another reconcile run' },
    async () => {
      report({ type: 'scan-started' })
      return reconcile(ctx.sql, {
        only: options.only,
        write,
        batchSize: options.idsPerRange,
        lockTimeoutMs: options.lockTimeoutMs,
        report,
      }).catch((err: unknown) => {
        if (!isPostgresError(err) || err.code !== '42501') throw err
        throw write ? cannotRepair(err.message) : cannotCheck(err.message)
      })
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
  }
}

/** Drifted rows of every counter, plus the missing friendships (reported, never repaired). */
export function totalDriftedOf(stats: Pick<ReconcileStats, 'counters' | 'friendships'>): number {
  return stats.counters.reduce((sum, c) => sum + c.drifted, 0) + stats.friendships.missing
}
