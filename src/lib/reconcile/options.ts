/**
 * What `vrss-db reconcile-counters` is asked to do, parsed from its flags, and the session
 * settings its connections start with.
 */
import { parseReplicaUrl } from '../db/replica.js'
import type { ConnectionSpec, Env } from '../db/target.js'
import { usageError } from '../errors.js'
import { parseDuration, parseInteger, parseMigrationsTable } from '../parse.js'
import { COUNTERS, type Counter } from './passes.js'

export type ReconcileMode = 'repair' | 'dry-run' | 'check'

export interface ReconcileCommandOptions {
  mode: ReconcileMode
  only: Counter[]
  /** How many ids one range spans, i.e. one detection query checks (the flag --batch-size). */
  idsPerRange: number
  lockTimeoutMs: number
  /** The bookkeeping table (--migrations-table); schema_migrations when undefined. */
  migrationsTable?: string
  /** --read-from: detect on this replica (repairs still run on the primary). */
  readFrom?: ConnectionSpec
  /** --replica-wait: how long to wait for the replica to replay the primary's WAL position. */
  replicaWaitMs: number
}

export const DEFAULT_IDS_PER_RANGE = 50_000
export const DEFAULT_LOCK_TIMEOUT_MS = 2000
export const DEFAULT_REPLICA_WAIT_MS = 10_000

export function parseReconcileOptions(
  raw: Record<string, unknown>,
  env: Env = process.env,
): ReconcileCommandOptions {
  if (raw.replicaWait !== undefined && raw.readFrom === undefined)
    throw usageError('--replica-wait goes with --read-from')
  if (raw.dryRun && raw.check) throw usageError('--dry-run and --check cannot be used together')
  const only = raw.only === undefined ? [...COUNTERS] : parseOnly(String(raw.only))
  return {
    mode: raw.check ? 'check' : raw.dryRun ? 'dry-run' : 'repair',
    only,
    idsPerRange:
      raw.batchSize === undefined
        ? DEFAULT_IDS_PER_RANGE
        : parseInteger('--batch-size', raw.batchSize, { min: 1, max: 1_000_000 }),
    lockTimeoutMs:
      raw.lockTimeout === undefined
        ? DEFAULT_LOCK_TIMEOUT_MS
        : parseDuration('--lock-timeout', raw.lockTimeout),
    migrationsTable: parseMigrationsTable(raw.migrationsTable),
    ...(raw.readFrom === undefined
      ? {}
      : { readFrom: parseReplicaUrl('--read-from', raw.readFrom, env) }),
    replicaWaitMs:
      raw.replicaWait === undefined
        ? DEFAULT_REPLICA_WAIT_MS
        : parseDuration('--replica-wait', raw.replicaWait, { zeroMeans: 'check once' }),
  }
}

function parseOnly(text: string): Counter[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  const unknown = names.filter((n) => !(COUNTERS as readonly string[]).includes(n))
  if (names.length === 0 || unknown.length > 0) {
    throw usageError(
      `--only: unknown counter ${unknown.map((u) => `"${u}"`).join(', ') || '(none given)'}`,
      `Use a comma-separated list of: ${COUNTERS.join(', ')}.`,
    )
  }
  return names as Counter[]
}

/**
 * lock_timeout: a repair gives up a row lock after --lock-timeout (and retries the batch); the
 * read-only modes wait 5s at most behind another session's lock. statement_timeout: a range
 * check at MVP scale takes about a second, so 5 minutes only stops a runaway one.
 */
export function reconcileSession(options: ReconcileCommandOptions): Record<string, string> {
  const timeouts = { statement_timeout: '5min' }
  return options.mode === 'repair'
    ? { ...timeouts, lock_timeout: asSetting(options.lockTimeoutMs) }
    : { ...timeouts, lock_timeout: '5s', default_transaction_read_only: 'on' }
}

/** 2000 → "2s" (the form of the error message), 1500 → "1500ms". */
function asSetting(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`
}
