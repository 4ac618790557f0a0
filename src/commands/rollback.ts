/**
 * `vrss-db migrate rollback --to N` (src/lib/migrate/rollback.ts): runs the down scripts of the
 * phases above N, newest first. Destructive: it refuses to drop tables that hold rows unless
 * --force, and follows the docs/cli.md confirmation rules. Registered under `migrate` by
 * src/cli.ts.
 */
import type { Command } from 'commander'
import { type CommandResult, commandAction } from '../lib/cli/command.js'
import { confirmDestructive } from '../lib/cli/confirm.js'
import type { Context } from '../lib/cli/context.js'
import { parseRunnerOptions, RUNNER_SESSION } from '../lib/migrate/options.js'
import { type RollbackOptions, type RollbackResult, rollback } from '../lib/migrate/rollback.js'
import { parseInteger } from '../lib/parse.js'
import { guardTargetDatabase } from '../lib/preflight/target-database.js'
import type { Output } from '../lib/ui/output.js'
import { formatMs } from '../lib/ui/render.js'

export type { RollbackOptions, RollbackResult } from '../lib/migrate/rollback.js'

export async function run(options: RollbackOptions, ctx: Context): Promise<RollbackResult> {
  await guardTargetDatabase(ctx, { yes: options.yes })
  return rollback(ctx, options, (action) => confirmDestructive(ctx, action, options.yes))
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

/** Adds `rollback` under the `migrate` command given. */
export function register(migrate: Command): Command {
  return migrate
    .command('rollback')
    .description('run the down scripts of the phases above --to, newest first (destructive)')
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
      commandAction<RollbackOptions, RollbackResult & CommandResult>({
        writes: () => ({ command: 'vrss-db migrate rollback' }),
        session: () => RUNNER_SESSION,
        needsSession: () => ({
          command: 'vrss-db migrate rollback',
          because: 'the migration lock is a session advisory lock',
        }),
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
