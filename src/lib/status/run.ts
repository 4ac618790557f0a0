/**
 * The core of `vrss-db status`: the target and server, each phase (applied, pending, edited,
 * unknown), what the applied phases should have created but is missing, disabled or INVALID,
 * row counts, an interrupted seed load and verify-triggers' leftovers. Reads only.
 */

import { type CoreContext, type Report, silent } from '../core.js'
import { query } from '../db/sql-files.js'
import { ExitCode } from '../errors.js'
import { comparePhases, readApplied } from '../migrate/bookkeeping.js'
import { loadMigrations } from '../migrate/files.js'
import { noSchemaProblem } from '../preflight/target-database.js'
import { checkSchema, foreignInvalidIndexes, indexesBeingBuilt } from '../schema/check.js'
import { citusReadiness } from '../schema/citus-readiness.js'
import type { DriftEvent } from '../schema/expected.js'
import { MAIN_TABLES, VRSS_TABLES } from '../schema/manifest.js'
import { describeUnfinishedSeed, unfinishedSeedReport } from '../seed/tables.js'
import { findLeftovers } from '../verify/scratch-schema.js'
import { statusDrift } from './drift.js'
import { describeFindings } from './findings.js'
import type {
  ReplicaStatus,
  ReplicasStatus,
  StatusOptions,
  StatusResult,
  TablePresence,
} from './types.js'

interface ReplicaRow {
  in_recovery: boolean
  replay_lag_seconds: number | null
  last_replay_at: Date | null
  receive_lsn: string | null
  replay_lsn: string | null
  replay_pending_bytes: number | null
}

interface ReplicationRow {
  application_name: string
  client_addr: string | null
  state: string
  sync_state: string
  write_lag_seconds: number | null
  flush_lag_seconds: number | null
  replay_lag_seconds: number | null
  replay_lsn: string | null
  bytes_behind: number | null
  visible: boolean
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

export async function status(
  ctx: CoreContext,
  options: StatusOptions,
  report: Report<DriftEvent> = silent,
): Promise<StatusResult> {
  const [server] = await query<ServerRow>(ctx.sql, 'queries/status-server')
  if (!server) throw new Error('the server returned no status row')
  const replica = await replicaStatus(ctx)
  const replicas = await replicasOf(ctx)
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
  const indexBuilds = await indexesBeingBuilt(ctx.sql)
  const findings = describeFindings(phases, problems, leftovers)
  if (server.schema === null) {
    const problem = noSchemaProblem(server.search_path)
    findings.unshift(`${problem.message}; ${problem.hint}`)
  }
  if (unfinishedSeed) findings.push(describeUnfinishedSeed(unfinishedSeed))
  const drifted = await statusDrift(ctx, options, phases, server.schema, report)
  if (drifted.finding) findings.push(drifted.finding)
  const citus = options.citusReadiness ? await citusReadiness(ctx) : undefined
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
    replicas,
    phases,
    problems,
    tables,
    tablesPresent: tables.filter((t) => t.present).length,
    tablesExpected: VRSS_TABLES.length,
    ...(unfinishedSeed ? { unfinishedSeed } : {}),
    leftovers,
    otherInvalidIndexes,
    indexBuilds,
    findings,
    ...(drifted.drift ? { drift: drifted.drift } : {}),
    ...(citus ? { citusReadiness: citus } : {}),
  }
}

async function replicaStatus(ctx: CoreContext): Promise<ReplicaStatus | undefined> {
  const [row] = await query<ReplicaRow>(ctx.sql, 'queries/status-replica')
  if (!row?.in_recovery) return undefined
  return {
    replayLagSeconds: numberOrNull(row.replay_lag_seconds),
    receiveLsn: row.receive_lsn,
    replayLsn: row.replay_lsn,
    lastReplayAt: row.last_replay_at ? new Date(row.last_replay_at).toISOString() : null,
    replayPendingBytes: numberOrNull(row.replay_pending_bytes),
  }
}

async function replicasOf(ctx: CoreContext): Promise<ReplicasStatus> {
  const rows = await query<ReplicationRow>(ctx.sql, 'queries/status-replicas')
  const visible = rows.every((row) => row.visible)
  return {
    visible,
    count: rows.length,
    list: visible
      ? rows.map((row) => ({
          applicationName: row.application_name,
          clientAddr: row.client_addr,
          state: row.state,
          syncState: row.sync_state,
          writeLagSeconds: numberOrNull(row.write_lag_seconds),
          flushLagSeconds: numberOrNull(row.flush_lag_seconds),
          replayLagSeconds: numberOrNull(row.replay_lag_seconds),
          replayLsn: row.replay_lsn,
          bytesBehind: numberOrNull(row.bytes_behind),
        }))
      : [],
  }
}

function numberOrNull(value: number | string | null): number | null {
  return value === null ? null : Number(value)
}

/** Tables the planner estimates below this many rows are counted exactly. */
const EXACT_BELOW_ROWS = 100_000

async function tablePresence(ctx: CoreContext): Promise<TablePresence[]> {
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
    const rows = exact ? await countRows(ctx, name) : row.estimated_rows
    result.push({ name, present: true, rows, rowsExact: exact, totalBytes: row.total_bytes })
  }
  return result
}

async function countRows(ctx: CoreContext, table: string): Promise<number> {
  const [row] = await ctx.sql`select count(*) as n from ${ctx.sql(table)}`
  return Number(row?.n ?? 0)
}
