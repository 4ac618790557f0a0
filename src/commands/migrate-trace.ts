/**
 * `vrss-db migrate trace [--phase N]`: runs phases on a scratch database made on the target's
 * server and shows, per statement, the locks it took, what it rewrote and how long it ran.
 * A command of its own rather than `lint --trace`: the lint needs no database (CI), the trace
 * needs a server and the right to create a database.
 */
import { type Command, Option } from 'commander'
import { commandAction } from '../lib/cli/command.js'
import type { Context } from '../lib/cli/context.js'
import type { CommandResult } from '../lib/core.js'
import { usageError } from '../lib/errors.js'
import { defaultMigrationsDir, loadMigrations, type Migration } from '../lib/migrate/files.js'
import { type TraceEvent, type TraceResult, tracePhases } from '../lib/migrate/trace.js'
import {
  heldText,
  nothingPendingText,
  phaseTitle,
  TRACE_HEAD,
  traceMarkdown,
  traceRows,
} from '../lib/migrate/trace-render.js'
import { parseInteger, parseMigrationsTable } from '../lib/parse.js'
import type { Output } from '../lib/ui/output.js'
import { renderTable } from '../lib/ui/render.js'

export interface TraceCommandOptions {
  migrations: Migration[]
  phase: number | undefined
  format: 'table' | 'markdown'
  migrationsTable?: string
}

type TraceCommandResult = TraceResult & CommandResult

export function parseTraceOptions(raw: Record<string, unknown>): TraceCommandOptions {
  const migrations = loadMigrations(
    typeof raw.migrationsDir === 'string' ? raw.migrationsDir : defaultMigrationsDir(),
  )
  const format = raw.format ?? 'table'
  if (format !== 'table' && format !== 'markdown')
    throw usageError(`--format must be table or markdown, got "${String(format)}"`)
  return {
    migrations,
    phase:
      raw.phase === undefined
        ? undefined
        : parseInteger('--phase', raw.phase, { min: 1, max: migrations.length }),
    format,
    migrationsTable: parseMigrationsTable(raw.migrationsTable),
  }
}

export function runTrace(options: TraceCommandOptions, ctx: Context): Promise<TraceCommandResult> {
  const onEvent = (event: TraceEvent) => {
    if (event.type === 'scratch-ready')
      ctx.out.info(`Scratch database ${event.database} ready (${event.applied} phase(s) applied)`)
    if (event.type === 'phase-start') ctx.out.info(`Tracing ${event.file} ...`)
  }
  return tracePhases(ctx, options, onEvent)
}

export function renderTrace(
  result: TraceCommandResult,
  out: Output,
  options: TraceCommandOptions,
): void {
  if (options.format === 'markdown') {
    out.print(traceMarkdown(result))
    return
  }
  if (result.nothingPending) {
    out.print(nothingPendingText(result))
    return
  }
  for (const phase of result.phases) {
    out.print(phaseTitle(phase))
    out.print(renderTable(TRACE_HEAD, traceRows(phase.statements), out))
    const held = heldText(phase)
    if (held) out.print(held)
  }
  out.print(
    '[new]: created in this phase (nobody else can use it yet). The scratch copy is dropped.',
  )
}

export function register(migrate: Command): Command {
  return migrate
    .command('trace')
    .description('run phases on a scratch copy and show the locks each statement takes')
    .option('--phase <n>', 'trace phase N (the phases before it applied); default: pending phases')
    .option('--format <format>', 'table (default) or markdown, ready to paste into a pull request')
    .addOption(new Option('--migrations-dir <dir>', 'read migrations from this folder').hideHelp())
    .addHelpText(
      'after',
      `
The scratch database (vrss_scratch_…) is made on the target's server (the role needs CREATEDB)
and dropped afterwards, also on Ctrl+C. The target itself is only read.

Examples:
  $ vrss-db migrate trace                 # the target's pending phases
  $ vrss-db migrate trace --phase 5 --format markdown`,
    )
    .action(
      commandAction<TraceCommandOptions, TraceCommandResult>({
        parse: (raw) => parseTraceOptions(raw),
        run: runTrace,
        render: renderTrace,
        session: () => ({ default_transaction_read_only: 'on' }),
      }),
    )
}
