/** What `vrss-db status` reports (also its --json document). */
import type { ExitCode } from '../errors.js'
import type { PhaseStatus } from '../migrate/bookkeeping.js'
import type { IndexBuild, SchemaProblems } from '../schema/check.js'
import type { CitusReadiness } from '../schema/citus-readiness.js'
import type { DriftResult } from '../schema/expected.js'
import type { UnfinishedSeedReport } from '../seed/tables.js'
import type { DriftFlags } from './drift.js'

export interface StatusOptions extends DriftFlags {
  check: boolean
  /** Also check the schema against the Citus plan (docs/scaling.md); a report, never a failure. */
  citusReadiness?: boolean
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

export interface ReplicaStatus {
  /** now() - pg_last_xact_replay_timestamp(): also grows while the primary is idle. */
  replayLagSeconds: number | null
  receiveLsn: string | null
  replayLsn: string | null
  /** When the last replayed transaction committed on the primary (ISO 8601). */
  lastReplayAt: string | null
  /** WAL received but not replayed yet. */
  replayPendingBytes: number | null
}

/** A standby streaming from this server (pg_stat_replication), with its lag. */
export interface ReplicaLink {
  applicationName: string
  clientAddr: string | null
  /** startup, catchup, streaming, backup or stopping. */
  state: string
  /** async, potential, sync or quorum. */
  syncState: string
  /** PostgreSQL's own measures of the last changes; null once the standby has caught up and the primary is idle. */
  writeLagSeconds: number | null
  flushLagSeconds: number | null
  replayLagSeconds: number | null
  replayLsn: string | null
  /** WAL the primary has written that the standby has not replayed yet. */
  bytesBehind: number | null
}

/** The standbys streaming from this server, or how many when this role cannot see them. */
export interface ReplicasStatus {
  /** False when the role lacks pg_read_all_stats (pg_monitor): `list` is then empty. */
  visible: boolean
  /** Connected WAL senders, seen or not. */
  count: number
  list: ReplicaLink[]
}

export interface StatusResult {
  exitCode: ExitCode
  /** With --check: the live catalog compared with a fresh apply of the applied phases. */
  drift?: DriftResult
  /** With --citus-readiness: what would not survive the Citus plan as it is. */
  citusReadiness?: CitusReadiness
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
  /** The standbys streaming from the target (none listed on a standby without any). */
  replicas: ReplicasStatus
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
  /** Indexes a concurrent build is making right now (not valid yet, and not a finding). */
  indexBuilds: IndexBuild[]
  /** Why --check fails (empty when all is well). */
  findings: string[]
}
