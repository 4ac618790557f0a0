/**
 * `vrss-db migrate`: applies the pending embedded phases in order, under an advisory lock so
 * that many deploy hosts can run it at once (src/lib/migrate/apply.ts). `vrss-db migrate
 * rollback --to N` (commands/rollback.ts) is registered under it by src/cli.ts.
 */
import { type Command, Option } from 'commander'
import { type CommandResult, commandAction } from '../lib/cli/command.js'
import type { Context } from '../lib/cli/context.js'
import { type MigrateOptions, type MigrateResult, migrate } from '../lib/migrate/apply.js'
import { parseMigrateOptions, RUNNER_SESSION } from '../lib/migrate/options.js'
import { progressOn, render } from '../lib/migrate/report.js'
import { guardTargetDatabase } from '../lib/preflight/target-database.js'

// Where the integration tests' helpers expect it.
export { parseMigrateOptions, progressOn, render }

export async function run(options: MigrateOptions, ctx: Context): Promise<MigrateResult> {
  await guardTargetDatabase(ctx, {
    yes: Boolean(options.yes),
    dryRun: options.dryRun,
    creates: true,
  })
  return migrate(ctx, options, progressOn(ctx.out))
}

const WRITES = {
  command: 'vrss-db migrate',
  alternative: '`vrss-db migrate --dry-run` and `vrss-db status` only read.',
}

export function register(program: Command): Command {
  return program
    .command('migrate')
    .option('--phase <n>', 'apply pending phases up to and including phase N')
    .option('--dry-run', 'print the SQL that would run and change nothing')
    .option(
      '--lock-wait <duration>',
      "how long to wait for another runner's migration lock (default 60s; 0: try once)",
    )
    .option(
      '--lock-timeout <duration>',
      'lock_timeout of each phase: give up rather than queue behind a long transaction (default 10s)',
    )
    .option(
      '--index-wait <duration>',
      'lock_timeout of a CREATE INDEX CONCURRENTLY, which also waits for older transactions (default 10m)',
    )
    .option(
      '--retries <n>',
      'run a phase again this often after it gave up on a table lock (jittered backoff; default 3, 0: never)',
    )
    .option(
      '--accept-edited',
      'continue although applied phase files changed, recording the new checksums',
    )
    .option('--yes', 'migrate even a template database (template1), which new databases copy')
    .addOption(new Option('--migrations-dir <dir>', 'read migrations from this folder').hideHelp())
    .addHelpText(
      'after',
      `
Each phase runs in one transaction together with its schema_migrations row: a failure leaves
nothing of it behind. Safe to run from several deploy hosts at once (advisory lock).

Examples:
  $ vrss-db migrate                 # all pending phases
  $ vrss-db migrate --phase 2       # phases 1 and 2 on an empty database
  $ vrss-db migrate --dry-run       # show the SQL, change nothing
  $ vrss-db migrate rollback --to 2 --yes`,
    )
    .action(
      commandAction<MigrateOptions, MigrateResult & CommandResult>({
        parse: (raw) => parseMigrateOptions(raw),
        run,
        render,
        writes: (options) => (options.dryRun ? undefined : WRITES),
        session: () => RUNNER_SESSION,
        needsSession: (options) =>
          options.dryRun
            ? undefined
            : {
                command: 'vrss-db migrate',
                because: 'its migration lock is a session advisory lock',
              },
      }),
    )
}
