/**
 * `vrss-db reconcile-counters` (alias `reconcile`): the nightly repair of every denormalized
 * value of docs/schema.md, correct while the application keeps writing; one run at a time.
 */
import type { Command } from 'commander'
import { commandAction } from '../lib/cli/command.js'
import type { Context } from '../lib/cli/context.js'
import { COUNTERS } from '../lib/reconcile/engine.js'
import {
  DEFAULT_IDS_PER_RANGE,
  parseReconcileOptions,
  type ReconcileCommandOptions,
  reconcileSession,
} from '../lib/reconcile/options.js'
import { MAX_ROWS_PER_TRANSACTION } from '../lib/reconcile/repair.js'
import { type ReconcileEvent, type ReconcileResult, runReconcile } from '../lib/reconcile/run.js'
import {
  counterLines,
  counterTableHead,
  counterTableRows,
  missingFriendshipsLine,
  progressText,
  readFromLine,
  summaryLine,
  timelinesLine,
} from '../lib/reconcile/text.js'
import type { Output, Progress } from '../lib/ui/output.js'
import { renderTable } from '../lib/ui/render.js'

export type { ReconcileCommandOptions, ReconcileMode } from '../lib/reconcile/options.js'
export type { ReconcileResult }
export { parseReconcileOptions, reconcileSession }

export async function run(
  options: ReconcileCommandOptions,
  ctx: Context,
): Promise<ReconcileResult> {
  const text = progressText(options.mode)
  // Shown once the run holds the lock: a run refused at the start shows no progress.
  let progress: Progress | undefined
  const report = (event: ReconcileEvent) => {
    if (event.type === 'replica-wait') progress = ctx.out.progress(text.replica(event.replica))
    else if (event.type === 'scan-started') {
      if (progress) progress.update(text.start)
      else progress = ctx.out.progress(text.start)
    } else if (event.type === 'timelines-planned') progress?.update(text.timelines)
    else if (event.type === 'timelines-waiting') progress?.update(text.waiting(event.transactions))
    else progress?.update(text.range(event))
  }
  try {
    const result = await runReconcile(ctx, options, report)
    progress?.succeed(text.done)
    return result
  } catch (err) {
    progress?.fail()
    throw err
  }
}

export function render(result: ReconcileResult, out: Output): void {
  out.print(
    out.terminal
      ? renderTable(counterTableHead(result.mode), counterTableRows(result, out.color), out)
      : counterLines(result),
  )
  const missing = missingFriendshipsLine(result)
  if (missing) out.print(out.color.yellow(missing))
  const replica = readFromLine(result)
  if (replica) out.print(replica)
  const timelines = timelinesLine(result, out.terminal)
  if (timelines) out.print(timelines)
  out.print(summaryLine(result))
}

export function register(program: Command): Command {
  return program
    .command('reconcile-counters')
    .option('--dry-run', 'report drift, change nothing (exit 0)')
    .option('--check', 'report drift, change nothing, exit 3 if any (for alerting)')
    .option('--only <counters>', `comma-separated subset of: ${COUNTERS.join(', ')}`)
    .option(
      '--batch-size <n>',
      `ids per range checked by one query (default ${DEFAULT_IDS_PER_RANGE})`,
    )
    .option(
      '--lock-timeout <duration>',
      'give up a batch lock after this long, then retry it (default 2s)',
    )
    .option(
      '--read-from <url>',
      "detect drift on this replica (once it has replayed the primary's WAL position); repairs run on the primary",
    )
    .option(
      '--replica-wait <duration>',
      'how long --read-from waits for the replica to catch up before refusing (default 10s)',
    )
    .addHelpText(
      'after',
      `
Each id range is checked by one read-only query. Only the rows found drifted are
then locked, recounted with the triggers' definitions and rewritten, in short
transactions of at most ${MAX_ROWS_PER_TRANSACTION} rows: a like committed meanwhile is never
overwritten. A second run while one is active exits at once (exit 1).

Examples:
  $ vrss-db reconcile                       # repair (exit 0)
  $ vrss-db reconcile --check               # exit 3 when anything drifted
  $ vrss-db reconcile --dry-run --only likes,storage --json
  $ vrss-db reconcile --read-from postgres://replica.internal/vrss   # detect there, repair here`,
    )
    .action(
      commandAction<ReconcileCommandOptions, ReconcileResult>({
        parse: (raw) => parseReconcileOptions(raw),
        run,
        render,
        maxConnections: 3,
        session: reconcileSession,
        // Friendships are only ever reported: a run for them alone writes nothing.
        writes: (options) =>
          options.mode === 'repair' && options.only.some((counter) => counter !== 'friendships')
            ? {
                command: 'vrss-db reconcile',
                alternative: '`--dry-run` and `--check` report drift without repairing it.',
              }
            : undefined,
        // Every mode: one run at a time, even a dry run, under a session advisory lock.
        needsSession: () => ({
          command: 'vrss-db reconcile',
          because: 'its run lock is a session advisory lock',
        }),
      }),
    )
}
