/**
 * `vrss-db migrate`: applies the pending embedded phases in order, under an advisory lock so
 * that many deploy hosts can run it at once (src/lib/migrate/apply.ts). `vrss-db migrate
 * rollback --to N` (commands/rollback.ts) is registered under it by src/cli.ts.
 */
import { type Command, Option } from 'commander'
import { type CommandResult, commandAction } from '../lib/cli/command.js'
import type { Context } from '../lib/cli/context.js'
import type { Output, Progress } from '../lib/cli/output.js'
import { formatMs } from '../lib/cli/render.js'
import { guardTargetDatabase } from '../lib/cli/target-database.js'
import type { Report } from '../lib/core.js'
import type { LockHolder } from '../lib/db/sessions.js'
import {
  type MigrateEvent,
  type MigrateOptions,
  type MigrateResult,
  migrate,
} from '../lib/migrate/apply.js'
import type { IndexBuildState } from '../lib/migrate/index-watch.js'
import { parseMigrateOptions } from '../lib/migrate/options.js'

// Where the integration tests' helpers expect it.
export { parseMigrateOptions }

export async function run(options: MigrateOptions, ctx: Context): Promise<MigrateResult> {
  await guardTargetDatabase(ctx, {
    yes: Boolean(options.yes),
    dryRun: options.dryRun,
    creates: true,
  })
  return migrate(ctx, options, progressOn(ctx.out))
}

/** The core's events as today's spinner lines and notes on stderr. */
export function progressOn(out: Output): Report<MigrateEvent> {
  let progress: Progress | undefined
  return (event) => {
    if (event.type === 'lock-wait') out.info(waitingFor(event.holder))
    else if (event.type === 'phase-start') progress = out.progress(`Applying ${event.file}`)
    else if (event.type === 'phase-done')
      progress?.succeed(`Applied ${event.file}${took(event.ms)}`)
    else if (event.type === 'phase-failed') progress?.fail(failed(event.file, event.transactional))
    else if (event.type === 'retry') out.info(retrying(event))
    else if (event.type === 'index-build') {
      progress?.update(
        `Applying ${event.file}: ${event.state.index || 'index'} ${event.state.phase}`,
      )
      if (event.state.blockers.length > 0) out.info(buildWaits(event.file, event.state))
    } else out.info(event.text)
  }
}

type Retry = Extract<MigrateEvent, { type: 'retry' }>
const retrying = (e: Retry) =>
  `${e.file} gave up on a table lock (--lock-timeout) and rolled back; retry ${e.attempt} of ${e.of} in ${formatMs(e.delayMs)}`

/** Who a concurrent build waits for: old transactions, often an application idle in one. */
function buildWaits(file: string, state: IndexBuildState): string {
  const who = state.blockers
    .map(
      (b) =>
        `pid ${b.pid} (${b.applicationName || 'unknown application'}, ${b.state ?? 'unknown state'}${b.transactionStart ? `, transaction open since ${new Date(b.transactionStart).toISOString()}` : ''})`,
    )
    .join(', ')
  return `${file}: building ${state.index || 'an index'} waits (${state.phase}) for older transaction(s) to end: ${who}. It goes on by itself when they end; up to --index-wait.`
}

const waitingFor = (holder: LockHolder | undefined) =>
  `Waiting for another migration to finish${holder ? ` (pid ${holder.pid}, ${holder.application_name || 'unknown application'})` : ''} ...`
const took = (ms: number | undefined) =>
  ms === undefined ? ' (by another runner)' : ` in ${formatMs(ms)}`
const failed = (file: string, transactional: boolean) =>
  transactional
    ? `${file} failed; nothing of it was applied`
    : `${file} stopped half-way; the next migrate finishes it`

export function render(result: MigrateResult, out: Output): void {
  if (result.plan) {
    if (result.plan.length === 0) out.print('-- Nothing to apply: the database is up to date.')
    for (const step of result.plan) {
      out.print(`-- ${step.file}${step.transactional ? ' (one transaction)' : ' (no transaction)'}`)
      out.print(step.sql.trimEnd())
      out.print()
    }
    return
  }
  if (result.accepted.length > 0)
    out.print(`Accepted the edited checksum of phase(s) ${result.accepted.join(', ')}.`)
  const pending = result.pending.length > 0 ? ` (still pending: ${result.pending.join(', ')})` : ''
  if (result.applied.length === 0) {
    out.print(`Nothing to apply: ${result.target} is up to date${pending}.`)
    return
  }
  const total = result.applied.reduce((sum, p) => sum + p.executionMs, 0)
  out.print(
    `Applied ${result.applied.length} phase(s) to ${result.target} in ${formatMs(total)}${pending}.`,
  )
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
      }),
    )
}
