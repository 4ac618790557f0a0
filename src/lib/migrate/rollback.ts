/**
 * The core of `vrss-db migrate rollback --to N`: runs the down scripts of the phases above N,
 * newest first, each in one transaction with its bookkeeping row. It refuses to drop tables
 * that hold rows unless --force.
 */
import type { CoreContext } from '../core.js'
import type { ReservedSql } from '../db/connect.js'
import { withAdvisoryLock } from '../db/sessions.js'
import { query } from '../db/sql-files.js'
import { VrssError } from '../errors.js'
import { readApplied } from './bookkeeping.js'
import { MIGRATION_LOCK, revertMigration } from './engine.js'
import type { Migration } from './files.js'
import type { RunnerOptions } from './options.js'
import { describePlan, planRollback, tablesLosingRows } from './rollback-plan.js'

export interface RollbackOptions
  extends Pick<RunnerOptions, 'migrations' | 'lockWaitMs' | 'lockTimeoutMs' | 'migrationsTable'> {
  to: number
  force: boolean
  yes: boolean
}

export interface RollbackResult {
  target: string
  reverted: { version: number; name: string; executionMs: number }[]
}

/**
 * Asks the operator about the plan (described as "roll back 005_feed (drops …)"); resolves to
 * go on and throws to stop. Given by the command, which owns prompts.
 */
export type ConfirmPlan = (action: string) => Promise<void>

/**
 * Takes the migration lock first, then works out the plan, has it confirmed, and acts on
 * exactly that plan: nothing can change the set of phases between the question and the answer.
 * Tables are checked for rows before asking, and again under their own lock right before each
 * drop.
 */
export async function rollback(
  ctx: CoreContext,
  options: RollbackOptions,
  confirm: ConfirmPlan,
): Promise<RollbackResult> {
  const target = ctx.target.display
  return withAdvisoryLock(
    ctx.sql,
    MIGRATION_LOCK,
    { timeoutMs: options.lockWaitMs, what: 'the migration lock' },
    async (conn) => {
      const plan = planRollback(await readApplied(conn, options.migrationsTable), options)
      if (plan.length === 0) return { target, reverted: [] }
      if (!options.force) await assertTablesEmpty(conn, plan)
      await confirm(describePlan(plan))
      const reverted: RollbackResult['reverted'] = []
      for (const migration of plan) {
        const executionMs = await revertMigration(conn, migration, {
          lockTimeoutMs: options.lockTimeoutMs,
          table: options.migrationsTable,
          beforeDown: options.force ? undefined : (tx) => assertTablesEmpty(tx, [migration], true),
        })
        reverted.push({ version: migration.version, name: migration.name, executionMs })
      }
      return { target, reverted }
    },
  )
}

async function assertTablesEmpty(
  conn: ReservedSql,
  migrations: Migration[],
  lock = false,
): Promise<void> {
  const nonEmpty: string[] = []
  for (const table of migrations.flatMap(tablesLosingRows)) {
    const [row] = await query<{ exists: boolean }>(conn, 'migrate/table-exists', [table])
    if (!row?.exists) continue
    // Under the drop's own lock, no row can arrive between this check and the DROP.
    if (lock) await conn`lock table ${conn(table)} in access exclusive mode`
    const [hasRows] = await conn`select exists (select 1 from ${conn(table)}) as has_rows`
    if (hasRows?.has_rows) nonEmpty.push(table)
  }
  if (nonEmpty.length > 0) {
    throw new VrssError(`Refusing to roll back: these tables hold rows: ${nonEmpty.join(', ')}`, {
      hint: 'Nothing was rolled back. Back them up first; --force drops them with their data.',
      code: 'TABLES_NOT_EMPTY',
    })
  }
}
