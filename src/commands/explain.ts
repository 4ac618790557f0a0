/**
 * `vrss-db explain [query…]`: times the critical queries against their docs/performance.md targets on the
 * target database, with their plans, in a form to paste into a code review.
 */
import type { Command } from 'commander'
import { commandAction } from '../lib/cli/command.js'
import type { Context } from '../lib/cli/context.js'
import type { Report } from '../lib/core.js'
import { type ExplainOptions, parseExplainOptions } from '../lib/explain/options.js'
import { NAMED_QUERIES } from '../lib/explain/queries.js'
import { renderExplainTable, renderMarkdown } from '../lib/explain/report.js'
import { type ExplainEvent, type ExplainResult, explain } from '../lib/explain/run.js'
import type { Output, Progress } from '../lib/ui/output.js'
import { formatMs } from '../lib/ui/render.js'

/** One spinner (or log line pair) per timed query and subject. */
function progressOf(out: Output): Report<ExplainEvent> {
  let current: Progress | undefined
  return (event) => {
    const where = event.onReplica ? ' on the replica' : ''
    if (event.type === 'timing') {
      current = out.progress(`Timing ${event.query} for ${event.subject}${where}`)
    } else {
      current?.succeed(
        `Timed ${event.query} for ${event.subject}${where}: p95 ${formatMs(event.p95)}`,
      )
    }
  }
}

export function run(options: ExplainOptions, ctx: Context): Promise<ExplainResult> {
  return explain(ctx, options, progressOf(ctx.out))
}

export function render(result: ExplainResult, out: Output, options: ExplainOptions): void {
  if (options.format === 'markdown') {
    out.print(renderMarkdown(result))
    return
  }
  for (const warning of result.warnings) out.warn(warning)
  out.print(renderExplainTable(result, out))
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

export function register(program: Command): Command {
  return program
    .command('explain')
    .argument(
      '[queries...]',
      `named queries (default all): ${NAMED_QUERIES.map((q) => q.name).join(', ')}`,
    )
    .option('--runs <n>', 'timed runs per query after 5 warm-up runs (default 30)')
    .option('--user <id>', 'measure for this user instead of the automatically picked subjects')
    .option('--format <format>', 'table (default) or markdown, ready to paste into a pull request')
    .option('--assert-index <name>', 'fail when no measured plan uses this index')
    .option('--no-fail', 'report only: exit 0 even when a target is missed')
    .option('--file <query.sql>', 'time a query under review instead of the named ones')
    .option(
      '--param <value>',
      'a bind parameter ($1, $2 … in order) for --file; repeatable',
      collect,
    )
    .option('--target <duration>', 'target for --file, e.g. 20ms (default 50ms)')
    .option(
      '--allow-writes',
      'let a --file query write (INSERT/UPDATE/DELETE); every run is still rolled back',
    )
    .option(
      '--baseline <file>',
      'compare with an earlier --json result: p95 regressions fail, plan changes are flagged',
    )
    .option('--tolerance <percent>', 'how much slower p95 may be than the baseline (default 20)')
    .option(
      '--replica <url>',
      'also time every query on this hot standby, side by side (refused unless it is in recovery)',
    )
    .addHelpText(
      'after',
      `
PASS/FAIL is judged on p95. Exit 3 when a target is missed (unless --no-fail).
Every run happens in a transaction that is always rolled back, READ ONLY unless --allow-writes;
a --file holds exactly one statement, and calls whose effect survives a rollback (nextval,
setval, pg_terminate_backend, dblink, …) are refused.

Examples:
  $ vrss-db explain                       # all named queries
  $ vrss-db explain feed --format markdown
  $ vrss-db explain quota badge --user 42 --runs 100 --json
  $ vrss-db explain --file query.sql --param 42 --target 20ms
  $ vrss-db explain --json > base.json && … && vrss-db explain --baseline base.json
  $ vrss-db explain feed --replica postgres://replica.internal/vrss`,
    )
    .action(
      commandAction<ExplainOptions, ExplainResult>({
        parse: (raw, args) => parseExplainOptions(raw, args),
        run,
        render,
        // Never stuck behind another session's lock; the measured runs set their own limits.
        session: (options) => ({
          ...(options.allowWrites ? {} : { default_transaction_read_only: 'on' }),
          lock_timeout: '5s',
          statement_timeout: '5min',
        }),
      }),
    )
}
