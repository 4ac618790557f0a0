/**
 * `vrss-db status`: the target, each phase (applied, pending, edited, unknown), what the applied
 * phases should have created but is missing, disabled or INVALID, and row counts.
 */
import type { Command } from 'commander'
import { commandAction } from '../lib/cli/command.js'
import type { Context } from '../lib/cli/context.js'
import type { CommandResult } from '../lib/core.js'
import { parseMigrationsTable } from '../lib/parse.js'
import { type ExpectedSchema, expectedSchema } from '../lib/schema/expected.js'
import { renderCitusReadiness } from '../lib/status/citus-report.js'
import { parseDriftFlags } from '../lib/status/drift.js'
import { driftProgress, driftWarning, renderSchema } from '../lib/status/drift-report.js'
import { renderStatus } from '../lib/status/report.js'

type SchemaResult = ExpectedSchema & CommandResult

import { status } from '../lib/status/run.js'
import type { StatusOptions, StatusResult } from '../lib/status/types.js'
import type { Output } from '../lib/ui/output.js'

export async function run(options: StatusOptions, ctx: Context): Promise<StatusResult> {
  const result = await status(ctx, options, driftProgress(ctx.out))
  const warning = driftWarning(result.drift)
  if (warning) ctx.out.warn(warning)
  return result
}

export function render(result: StatusResult, out: Output): void {
  out.print(renderStatus(result, out))
  if (result.citusReadiness) renderCitusReadiness(result.citusReadiness, out)
}

/** Read-only, and never stuck behind another session's lock (e.g. a migration's DDL). */
export const STATUS_SESSION = {
  default_transaction_read_only: 'on',
  lock_timeout: '5s',
  statement_timeout: '30s',
}

export function register(program: Command): Command {
  return program
    .command('status')
    .option(
      '--check',
      'exit 3 when anything is pending, edited, unknown, missing, disabled or INVALID, or differs from a fresh apply of the applied phases (drift)',
    )
    .option('--all', 'with --check: also list what the schema holds that no phase creates')
    .option(
      '--schema',
      'print the schema of the applied phases as SQL (built on a scratch database)',
    )
    .option(
      '--citus-readiness',
      'also list what would break if the tables were distributed as docs/scaling.md plans (a report: exit code unchanged)',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ vrss-db status
  $ vrss-db status --json
  $ vrss-db status --check && start-the-api     # in a deploy script
  $ vrss-db status --check --all                # also list objects no phase creates
  $ vrss-db status --schema > vrss-schema.sql
  $ vrss-db status --citus-readiness --json     # what the Citus plan must change`,
    )
    .action(
      commandAction<StatusOptions, StatusResult | SchemaResult>({
        parse: (raw) => ({
          check: Boolean(raw.check),
          citusReadiness: Boolean(raw.citusReadiness),
          migrationsTable: parseMigrationsTable(raw.migrationsTable),
          ...parseDriftFlags(raw),
        }),
        run: (options, ctx) =>
          options.schema ? expectedSchema(ctx, options, driftProgress(ctx.out)) : run(options, ctx),
        render: (result, out) =>
          'sql' in result ? renderSchema(result, out) : render(result, out),
        session: () => STATUS_SESSION,
        // One READ ONLY transaction: read-only and bounded even where a pooler refused these.
        readOnly: () => true,
      }),
    )
}
