/**
 * `vrss-db bench [workload…]`: drives the application's write workloads on a scratch copy of
 * the tables with the live triggers and on a trigger-free copy, side by side, and reports
 * throughput, latency, errors, the ratio to the floor and whether the counters stayed exact.
 */
import type { Command } from 'commander'
import { type BenchOptions, parseBenchOptions } from '../lib/bench/options.js'
import { renderBenchMarkdown, renderBenchTable } from '../lib/bench/report.js'
import { type BenchEvent, type BenchResult, bench } from '../lib/bench/run.js'
import { WORKLOADS } from '../lib/bench/workloads.js'
import { commandAction } from '../lib/cli/command.js'
import type { Context } from '../lib/cli/context.js'
import type { Report } from '../lib/core.js'
import type { Output, Progress } from '../lib/ui/output.js'

function progressOf(out: Output): Report<BenchEvent> {
  let current: Progress | undefined
  return (event) => {
    if (event.type === 'preparing') {
      out.info(
        `Copying the tables into scratch schemas (${event.users} users, ${event.posts} posts)`,
      )
    } else if (event.type === 'driving') {
      current = out.progress(`Driving ${event.workload} on the ${event.copy} copy`)
    } else {
      current?.succeed(`${event.workload} on the ${event.copy} copy: ${Math.round(event.tps)} tps`)
    }
  }
}

export function run(options: BenchOptions, ctx: Context): Promise<BenchResult> {
  return bench(ctx, options, progressOf(ctx.out))
}

export function render(result: BenchResult, out: Output, options: BenchOptions): void {
  out.print(
    options.format === 'markdown' ? renderBenchMarkdown(result) : renderBenchTable(result, out),
  )
}

export function register(program: Command): Command {
  return program
    .command('bench')
    .argument(
      '[workloads...]',
      `workloads (default all), each optionally with its own client count (likes-hot@8): ${WORKLOADS.map((w) => w.name).join(', ')}`,
    )
    .option('--clients <n>', 'concurrent clients (default 4)')
    .option('--duration <duration>', 'how long each copy is driven per workload (default 10s)')
    .option('--users <n>', 'users in the scratch copy (default 10000)')
    .option('--posts <n>', 'posts in the scratch copy (default 100000)')
    .option('--seed <n>', 'random seed of the workloads (default 42)')
    .option('--driver <driver>', 'pgbench (default when installed) or builtin')
    .option('--format <format>', 'table (default) or markdown')
    .option('--baseline <file>', 'compare with an earlier --json result: p95 regressions fail')
    .option('--tolerance <percent>', 'how much slower p95 may be than the baseline (default 20)')
    .option('--yes', 'run on a database that is not an embedded or scratch one')
    .addHelpText(
      'after',
      `
Each workload runs on a scratch copy of the VRSS tables with the live triggers, then on a copy
of the same rows without triggers (the floor); ratio = tps / floor tps. Triggers are never
disabled for anyone else, and nothing outside the scratch schemas is written; they are dropped
at the end (a run killed with -9 leaves them to the next run). After each workload,
reconcile's detection checks every counter of the copy: a drifted counter fails the run (exit 3).

Examples:
  $ vrss-db bench likes-hot --clients 8 --duration 30s
  $ vrss-db bench likes-spread@4 likes-hot@8 --format markdown
  $ vrss-db bench --format markdown
  $ vrss-db bench --json > base.json && … && vrss-db bench --baseline base.json`,
    )
    .action(
      commandAction<BenchOptions, BenchResult>({
        parse: (raw, args) => parseBenchOptions(raw, args),
        run,
        render,
        session: () => ({ lock_timeout: '5s', statement_timeout: '10min' }),
        writes: () => ({ command: 'bench' }),
        needsSession: () => ({
          command: 'vrss-db bench',
          because: 'its driving sessions reach the scratch schemas through their own search_path',
          startupSettings: 'its driving sessions start with a scratch search_path',
        }),
      }),
    )
}
