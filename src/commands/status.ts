/**
 * `vrss-db status`: the target, each phase (applied, pending, edited, unknown), what the applied
 * phases should have created but is missing, disabled or INVALID, and row counts.
 */
import type { Command } from 'commander'
import { type CommandResult, commandAction } from '../lib/cli/command.js'
import type { Context } from '../lib/cli/context.js'
import type { Output } from '../lib/cli/output.js'
import { formatBytes, formatMs, renderTable } from '../lib/cli/render.js'
import * as drift from '../lib/cli/status-drift.js'
import { noSchemaProblem } from '../lib/cli/target-database.js'
import { query } from '../lib/db/sql-files.js'
import { ExitCode } from '../lib/errors.js'
import { comparePhases, type PhaseStatus, readApplied } from '../lib/migrate/engine.js'
import { loadMigrations } from '../lib/migrate/files.js'
import { parseMigrationsTable } from '../lib/parse.js'
import { checkSchema, foreignInvalidIndexes, type SchemaProblems } from '../lib/schema/check.js'
import type { DriftResult } from '../lib/schema/expected.js'
import { MAIN_TABLES, VRSS_TABLES } from '../lib/schema/manifest.js'
import {
  describeUnfinishedSeed,
  type UnfinishedSeedReport,
  unfinishedSeedReport,
} from '../lib/seed/tables.js'
import { findLeftovers } from '../lib/verify/concurrency.js'

export interface StatusOptions extends drift.DriftFlags {
  check: boolean
  /** The bookkeeping table (--migrations-table); schema_migrations when undefined. */
  migrationsTable?: string
}

export interface TablePresence {
  name: string
  present: boolean
  /** Exact for the main tables, the planner's estimate for the others. */
  rows: number | null
  rowsExact: boolean
  totalBytes: number | null
}

export interface StatusResult extends CommandResult {
  target: { url: string; source: string; embedded: boolean }
  server: {
    version: string
    versionNum: number
    database: string
    user: string
    /** Where new tables go; null when the search_path names no existing schema. */
    schema: string | null
    searchPath: string
  }
  databaseBytes: number
  /** Present when the target is a read-only hot standby. */
  replica?: ReplicaStatus
  phases: PhaseStatus[]
  problems: SchemaProblems
  tables: TablePresence[]
  tablesPresent: number
  tablesExpected: number
  /** A parallel seed load that was interrupted, and the rows it left pointing at nothing. */
  unfinishedSeed?: UnfinishedSeedReport
  /** Scratch schemas of interrupted verify-triggers runs (the next run removes them). */
  leftovers: string[]
  /** INVALID indexes that are not VRSS's: shown, but not a finding of --check. */
  otherInvalidIndexes: string[]
  /** Why --check fails (empty when all is well). */
  findings: string[]
  /** With --check: the live catalog compared with a fresh apply of the applied phases. */
  drift?: DriftResult
}

export interface ReplicaStatus {
  /** now() - pg_last_xact_replay_timestamp(): also grows while the primary is idle. */
  replayLagSeconds: number | null
  receiveLsn: string | null
  replayLsn: string | null
}

interface ReplicaRow {
  in_recovery: boolean
  replay_lag_seconds: number | null
  receive_lsn: string | null
  replay_lsn: string | null
}

async function replicaStatus(ctx: Context): Promise<ReplicaStatus | undefined> {
  const [row] = await query<ReplicaRow>(ctx.sql, 'queries/status-replica')
  if (!row?.in_recovery) return undefined
  return {
    replayLagSeconds: row.replay_lag_seconds === null ? null : Number(row.replay_lag_seconds),
    receiveLsn: row.receive_lsn,
    replayLsn: row.replay_lsn,
  }
}

interface ServerRow {
  server_version: string
  server_version_num: number
  database: string
  user: string
  database_bytes: number
  schema: string | null
  search_path: string
}

interface TableRow {
  name: string
  estimated_rows: number
  total_bytes: number
}

export async function run(options: StatusOptions, ctx: Context): Promise<StatusResult> {
  const [server] = await query<ServerRow>(ctx.sql, 'queries/status-server')
  if (!server) throw new Error('the server returned no status row')
  const replica = await replicaStatus(ctx)
  const phases = comparePhases(
    loadMigrations(),
    await readApplied(ctx.sql, options.migrationsTable),
  )
  const applied = phases.filter((p) => p.state !== 'pending').map((p) => p.version)
  const problems = await checkSchema(ctx.sql, applied)
  const tables = await tablePresence(ctx)
  const unfinishedSeed = await unfinishedSeedReport(ctx.sql, VRSS_TABLES)
  const leftovers = await findLeftovers(ctx.sql)
  const otherInvalidIndexes = await foreignInvalidIndexes(ctx.sql)
  const findings = describeFindings(phases, problems, leftovers)
  if (server.schema === null) {
    const problem = noSchemaProblem(server.search_path)
    findings.unshift(`${problem.message}; ${problem.hint}`)
  }
  if (unfinishedSeed) findings.push(describeUnfinishedSeed(unfinishedSeed))
  const drifted = await drift.statusDrift(ctx, options, phases, server.schema)
  if (drifted.finding) findings.push(drifted.finding)
  return {
    exitCode: options.check && findings.length > 0 ? ExitCode.checkFailed : ExitCode.ok,
    target: { url: ctx.target.display, source: ctx.target.source, embedded: ctx.target.embedded },
    server: {
      version: server.server_version,
      versionNum: server.server_version_num,
      database: server.database,
      user: server.user,
      schema: server.schema,
      searchPath: server.search_path,
    },
    databaseBytes: server.database_bytes,
    ...(replica ? { replica } : {}),
    phases,
    problems,
    tables,
    tablesPresent: tables.filter((t) => t.present).length,
    tablesExpected: VRSS_TABLES.length,
    ...(unfinishedSeed ? { unfinishedSeed } : {}),
    leftovers,
    otherInvalidIndexes,
    findings,
    ...(drifted.drift ? { drift: drifted.drift } : {}),
  }
}

/** Tables the planner estimates below this many rows are counted exactly. */
const EXACT_BELOW_ROWS = 100_000

async function tablePresence(ctx: Context): Promise<TablePresence[]> {
  const found = await query<TableRow>(ctx.sql, 'queries/status-tables', [VRSS_TABLES])
  const byName = new Map(found.map((row) => [row.name, row]))
  const result: TablePresence[] = []
  for (const name of VRSS_TABLES) {
    const row = byName.get(name)
    if (!row) {
      result.push({ name, present: false, rows: null, rowsExact: false, totalBytes: null })
      continue
    }
    // Counting is cheap below this size, and an estimate of a small table is often just wrong
    // (-1 before the first ANALYZE, 0 right after a load).
    const exact = MAIN_TABLES.includes(name) || row.estimated_rows < EXACT_BELOW_ROWS
    const rows = exact
      ? Number((await ctx.sql`select count(*) as n from ${ctx.sql(name)}`)[0]?.n ?? 0)
      : row.estimated_rows
    result.push({ name, present: true, rows, rowsExact: exact, totalBytes: row.total_bytes })
  }
  return result
}

function describeFindings(
  phases: PhaseStatus[],
  problems: SchemaProblems,
  leftovers: string[],
): string[] {
  const findings: string[] = []
  const list = (state: PhaseStatus['state']) =>
    phases.filter((p) => p.state === state).map((p) => `${p.version} ${p.name}`)
  if (list('pending').length) findings.push(`pending phases: ${list('pending').join(', ')}`)
  if (list('edited').length) findings.push(`edited phases: ${list('edited').join(', ')}`)
  if (list('unknown').length) findings.push(`unknown phases: ${list('unknown').join(', ')}`)
  const labels: Record<keyof SchemaProblems, string> = {
    missingTables: 'missing tables',
    missingIndexes: 'missing indexes',
    missingTriggers: 'missing triggers',
    disabledTriggers: 'disabled triggers',
    alteredTriggers: 'triggers calling another function',
    invalidIndexes: 'INVALID indexes',
  }
  for (const [key, label] of Object.entries(labels) as [keyof SchemaProblems, string][]) {
    if (problems[key].length > 0) findings.push(`${label}: ${problems[key].join(', ')}`)
  }
  if (leftovers.length > 0) {
    findings.push(
      `scratch schemas left by interrupted verify-triggers runs (the next verify-triggers run removes them): ${leftovers.join(', ')}`,
    )
  }
  return findings
}

export function render(result: StatusResult, out: Output): void {
  const c = out.color
  out.print(`${c.bold('Target')}    ${result.target.url}  (${result.target.source})`)
  out.print(
    `${c.bold('Server')}    PostgreSQL ${result.server.version}${result.target.embedded ? ' (embedded)' : ''}`,
  )
  out.print(
    `${c.bold('Database')}  ${result.server.database} as ${result.server.user}, ${result.server.schema === null ? c.red('no schema') : `schema ${result.server.schema}`}, ${formatBytes(result.databaseBytes)}`,
  )
  if (result.replica) out.print(`${c.bold('Replica')}   ${describeReplica(result.replica)}`)
  out.print()
  const stateColour = { applied: c.green, pending: c.yellow, edited: c.red, unknown: c.red }
  out.print(
    renderTable(
      ['phase', 'state', 'applied at', 'took', 'by'],
      result.phases.map((p) => [
        `${String(p.version).padStart(3, '0')} ${p.name}`,
        stateColour[p.state](p.state),
        p.appliedAt ? p.appliedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '',
        p.executionMs === undefined ? '' : formatMs(p.executionMs),
        p.appliedBy ?? '',
      ]),
      out,
    ),
  )
  if (result.findings.length === 0) {
    out.print(
      c.green('Schema: every table, index and trigger of the applied phases is present and valid.'),
    )
  } else {
    for (const finding of result.findings) out.print(`${c.yellow('!')} ${finding}`)
    if (result.phases.every((p) => p.state === 'pending')) {
      out.print(
        'Nothing is migrated yet: run `vrss-db migrate`, then `vrss-db seed` for development data.',
      )
    }
  }
  drift.renderDrift(result.drift, out)
  if (result.otherInvalidIndexes.length > 0) {
    out.print(
      `${c.dim('note:')} INVALID indexes that are not VRSS's (left alone): ${result.otherInvalidIndexes.join(', ')}`,
    )
  }
  out.print()
  out.print(
    `${c.bold('Tables')}    ${result.tablesPresent} of ${result.tablesExpected} VRSS tables present`,
  )
  const present = result.tables.filter((t) => t.present)
  if (present.length > 0) {
    out.print(
      renderTable(
        ['table', 'rows', 'size'],
        present.map((t) => [
          t.name,
          t.rows === null ? '' : `${t.rowsExact ? '' : '~'}${t.rows.toLocaleString('en-US')}`,
          t.totalBytes === null ? '' : formatBytes(t.totalBytes),
        ]),
        out,
      ),
    )
    if (present.some((t) => !t.rowsExact)) {
      out.print(
        c.dim("~ the planner's estimate (tables of 100,000 rows or more); other counts are exact"),
      )
    }
  }
}

/** "read-only hot standby, replay lag 0.4s (received 0/3000148, replayed 0/3000148)". */
function describeReplica(replica: ReplicaStatus): string {
  const lag =
    replica.replayLagSeconds === null
      ? 'nothing replayed yet'
      : `replay lag ${formatMs(Math.max(0, replica.replayLagSeconds) * 1000)} since the last replayed commit`
  return `read-only hot standby (writing commands run against the primary), ${lag} (received ${replica.receiveLsn ?? '-'}, replayed ${replica.replayLsn ?? '-'})`
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
    .addHelpText(
      'after',
      `
Examples:
  $ vrss-db status
  $ vrss-db status --json
  $ vrss-db status --check && start-the-api     # in a deploy script
  $ vrss-db status --check --all                # also list objects no phase creates
  $ vrss-db status --schema > vrss-schema.sql`,
    )
    .action(
      commandAction<StatusOptions, StatusResult | drift.SchemaResult>({
        parse: (raw) => ({
          check: Boolean(raw.check),
          migrationsTable: parseMigrationsTable(raw.migrationsTable),
          ...drift.parseDriftFlags(raw),
        }),
        run: (options, ctx) => (options.schema ? drift.runSchema(options, ctx) : run(options, ctx)),
        render: (result, out) =>
          'sql' in result ? drift.renderSchema(result, out) : render(result, out),
        session: () => STATUS_SESSION,
      }),
    )
}
