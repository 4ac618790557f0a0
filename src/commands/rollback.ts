/**
 * `vrss-db migrate rollback --to N`: runs the down scripts of the phases above N, newest
 * first, each in one transaction with its bookkeeping row. Destructive: it refuses to drop
 * tables that hold rows unless --force, and follows the docs/cli.md confirmation rules.
 */
import type { Command } from 'commander'
import { type CommandResult, commandAction } from '../lib/cli/command.js'
import { confirmDestructive } from '../lib/cli/confirm.js'
import type { Context } from '../lib/cli/context.js'
import type { Output } from '../lib/cli/output.js'
import { formatMs } from '../lib/cli/render.js'
import { guardTargetDatabase } from '../lib/cli/target-database.js'
import type { ReservedSql } from '../lib/db/connect.js'
import { withAdvisoryLock } from '../lib/db/sessions.js'
import { checkFailed, VrssError } from '../lib/errors.js'
import {
  type AppliedRow,
  MIGRATION_LOCK,
  readApplied,
  revertMigration,
} from '../lib/migrate/engine.js'
import { alteredTables, droppedObjects, type Migration } from '../lib/migrate/files.js'
import { parseRunnerOptions, type RunnerOptions } from '../lib/migrate/options.js'
import { parseInteger } from '../lib/parse.js'

export interface RollbackOptions
  extends Pick<RunnerOptions, 'migrations' | 'lockWaitMs' | 'lockTimeoutMs' | 'migrationsTable'> {
  to: number
  force: boolean
  yes: boolean
}

export interface RollbackResult extends CommandResult {
  target: string
  reverted: { version: number; name: string; executionMs: number }[]
}

/**
 * Takes the migration lock first, then works out the plan, shows exactly that plan, asks, and
 * acts on it: nothing can change the set of phases between the question and the answer. Tables
 * are checked for rows before asking, and again under their own lock right before each drop.
 */
export async function run(options: RollbackOptions, ctx: Context): Promise<RollbackResult> {
  const target = ctx.target.display
  await guardTargetDatabase(ctx, { yes: options.yes })
  return withAdvisoryLock(
    ctx.sql,
    MIGRATION_LOCK,
    { timeoutMs: options.lockWaitMs, what: 'the migration lock' },
    async (conn) => {
      const plan = planRollback(await readApplied(conn, options.migrationsTable), options)
      if (plan.length === 0) return { target, reverted: [] }
      if (!options.force) await assertTablesEmpty(conn, plan)
      await confirmDestructive(ctx, describePlan(plan), options.yes)
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

/** The phases above --to, newest first; each must be known to this vrss-db. */
function planRollback(applied: AppliedRow[], options: RollbackOptions): Migration[] {
  return applied
    .filter((row) => row.version > options.to)
    .sort((a, b) => b.version - a.version)
    .map((row) => {
      const migration = options.migrations.find((m) => m.version === row.version)
      if (!migration) {
        throw checkFailed(
          `Phase ${row.version} (${row.name}) is not in this vrss-db, so it cannot be rolled back`,
          'Use the vrss-db version that applied it.',
        )
      }
      return migration
    })
}

/** "roll back 005_feed (drops index a, b; function f(…)), then 004_… (drops tables …)". */
export function describePlan(plan: Migration[]): string {
  const phases = plan.map((migration) => {
    const byKind = new Map<string, string[]>()
    for (const object of droppedObjects(migration)) {
      byKind.set(object.kind, [...(byKind.get(object.kind) ?? []), object.name])
    }
    const drops = [...byKind]
      .map(([kind, names]) => `${names.length > 1 ? plural(kind) : kind} ${names.join(', ')}`)
      .join('; ')
    const dropped = new Set(droppedObjects(migration).map((o) => o.name))
    const altered = alteredTables(migration).filter((t) => !dropped.has(t))
    const changes = [
      drops ? `drops ${drops}` : '',
      altered.length > 0
        ? `alters ${altered.length > 1 ? 'tables' : 'table'} ${altered.join(', ')}`
        : '',
    ].filter(Boolean)
    return `${String(migration.version).padStart(3, '0')}_${migration.name} (${changes.join('; ') || 'drops nothing'})`
  })
  return `roll back ${phases.join(', then ')}`
}

const plural = (kind: string) => (kind === 'index' ? 'indexes' : `${kind}s`)

/** The tables a down script drops. */
export function tablesDroppedBy(migration: Migration): string[] {
  return droppedObjects(migration)
    .filter((object) => object.kind === 'table')
    .map((object) => object.name)
}

async function assertTablesEmpty(
  conn: ReservedSql,
  migrations: Migration[],
  lock = false,
): Promise<void> {
  const nonEmpty: string[] = []
  for (const table of migrations.flatMap(tablesDroppedBy)) {
    const [row] = await conn`select to_regclass(${table}) is not null as exists`
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

export function render(result: RollbackResult, out: Output): void {
  if (result.reverted.length === 0) {
    out.print(`Nothing to roll back on ${result.target}.`)
    return
  }
  for (const phase of result.reverted) {
    out.print(
      `Rolled back ${String(phase.version).padStart(3, '0')}_${phase.name} in ${formatMs(phase.executionMs)}`,
    )
  }
}

export function register(migrate: Command): Command {
  return migrate
    .command('rollback')
    .requiredOption('--to <n>', 'keep phases up to and including N (0 removes everything)')
    .option('--force', 'drop tables even when they hold rows')
    .option('--yes', 'do not ask; required when stdin is not a terminal or the host is not local')
    .addHelpText(
      'after',
      `
Examples:
  $ vrss-db migrate rollback --to 2          # asks on a terminal, for a local database
  $ vrss-db migrate rollback --to 0 --yes --force`,
    )
    .action(
      commandAction<RollbackOptions, RollbackResult>({
        writes: () => ({ command: 'vrss-db migrate rollback' }),
        parse: (raw) => {
          // Only the options rollback shares with migrate: a --phase given to the parent
          // command is migrate's business, not a reason to refuse the rollback.
          const base = parseRunnerOptions(raw)
          return {
            ...base,
            to: parseInteger('--to', raw.to, { min: 0, max: base.migrations.length }),
            force: Boolean(raw.force),
            yes: Boolean(raw.yes),
          }
        },
        run,
        render,
      }),
    )
}
