/**
 * `vrss-db migrate rollback --to N`: runs the down scripts of the phases above N, newest
 * first, each in one transaction with its bookkeeping row. Destructive: it refuses to drop
 * tables that hold rows unless --force, and follows the SPEC §9 confirmation rules.
 */
import type { Command } from 'commander'
import { type CommandResult, commandAction } from '../lib/command.js'
import type { Context } from '../lib/context.js'
import { withAdvisoryLock } from '../lib/db.js'
import { checkFailed, VrssError } from '../lib/errors.js'
import type { Migration } from '../lib/migrations.js'
import { MIGRATION_LOCK, readApplied, revertMigration } from '../lib/migrator.js'
import type { Output } from '../lib/output.js'
import { parseInteger } from '../lib/parse.js'
import { formatMs } from '../lib/render.js'
import { confirmDestructive } from '../lib/safety.js'
import { type MigrateOptions, parseMigrateOptions } from './migrate.js'

export interface RollbackOptions
  extends Pick<MigrateOptions, 'migrations' | 'lockWaitMs' | 'lockTimeoutMs'> {
  to: number
  force: boolean
  yes: boolean
}

export interface RollbackResult extends CommandResult {
  target: string
  reverted: { version: number; name: string; executionMs: number }[]
}

export async function run(options: RollbackOptions, ctx: Context): Promise<RollbackResult> {
  const target = ctx.target.display
  const appliedNow = await readApplied(ctx.sql)
  const toRevert = appliedNow
    .filter((row) => row.version > options.to)
    .sort((a, b) => b.version - a.version)
  if (toRevert.length === 0) return { target, reverted: [] }
  await confirmDestructive(
    ctx,
    `roll back phase(s) ${toRevert.map((r) => r.version).join(', ')} (drops their tables)`,
    options.yes,
  )
  return withAdvisoryLock(
    ctx.sql,
    MIGRATION_LOCK,
    { timeoutMs: options.lockWaitMs, what: 'the migration lock' },
    async (conn) => {
      const applied = await readApplied(conn)
      const migrations = applied
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
      if (!options.force) await assertTablesEmpty(conn, migrations)
      const reverted: RollbackResult['reverted'] = []
      for (const migration of migrations) {
        const executionMs = await revertMigration(conn, migration, {
          lockTimeoutMs: options.lockTimeoutMs,
        })
        reverted.push({ version: migration.version, name: migration.name, executionMs })
      }
      return { target, reverted }
    },
  )
}

/** The tables a down script drops, read from its DROP TABLE statements. */
export function tablesDroppedBy(migration: Migration): string[] {
  const names: string[] = []
  for (const match of (migration.down ?? '').matchAll(
    /drop\s+table\s+(?:if\s+exists\s+)?([^;]+);/gi,
  )) {
    names.push(
      ...(match[1] as string).split(',').map((name) => name.trim().replace(/\s+cascade$/i, '')),
    )
  }
  return names
}

async function assertTablesEmpty(conn: Context['sql'], migrations: Migration[]): Promise<void> {
  const nonEmpty: string[] = []
  for (const table of migrations.flatMap(tablesDroppedBy)) {
    const [row] = await conn`
      select to_regclass(${table}) is not null as exists`
    if (!row?.exists) continue
    const [hasRows] = await conn`select exists (select 1 from ${conn(table)}) as has_rows`
    if (hasRows?.has_rows) nonEmpty.push(table)
  }
  if (nonEmpty.length > 0) {
    throw new VrssError(`Refusing to roll back: these tables hold rows: ${nonEmpty.join(', ')}`, {
      hint: 'Back them up first; --force drops them with their data.',
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
        parse: (raw) => {
          const base = parseMigrateOptions(raw)
          return {
            migrations: base.migrations,
            lockWaitMs: base.lockWaitMs,
            lockTimeoutMs: base.lockTimeoutMs,
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
