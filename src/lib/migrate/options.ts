/**
 * The options every command that runs phases shares (`migrate` and `migrate rollback`): which
 * phase files, how long to wait for the migration lock and for table locks, and where the
 * bookkeeping lives. Each command adds its own (--phase, --to, …) on top.
 */

import { parseDuration, parseInteger, parseMigrationsTable } from '../parse.js'
import type { MigrateOptions } from './apply.js'
import { DEFAULT_INDEX_WAIT_MS } from './concurrent.js'
import { defaultMigrationsDir, loadMigrations, type Migration } from './files.js'
import { DEFAULT_RETRY } from './retry.js'

export const DEFAULT_LOCK_WAIT_MS = 60_000
export const DEFAULT_LOCK_TIMEOUT_MS = 10_000

export interface RunnerOptions {
  migrations: Migration[]
  lockWaitMs: number
  lockTimeoutMs: number
  /** Another bookkeeping table than schema_migrations (--migrations-table). */
  migrationsTable?: string
}

export function parseRunnerOptions(raw: Record<string, unknown>): RunnerOptions {
  return {
    migrations: loadMigrations(
      typeof raw.migrationsDir === 'string' ? raw.migrationsDir : defaultMigrationsDir(),
    ),
    lockWaitMs:
      raw.lockWait === undefined
        ? DEFAULT_LOCK_WAIT_MS
        : parseDuration('--lock-wait', raw.lockWait, { zeroMeans: 'try once' }),
    lockTimeoutMs:
      raw.lockTimeout === undefined
        ? DEFAULT_LOCK_TIMEOUT_MS
        : parseDuration('--lock-timeout', raw.lockTimeout),
    migrationsTable: parseMigrationsTable(raw.migrationsTable),
  }
}

/** `vrss-db migrate`: the shared options plus --phase, --dry-run, --index-wait, … */
export function parseMigrateOptions(raw: Record<string, unknown>): MigrateOptions {
  const runner = parseRunnerOptions(raw)
  return {
    ...runner,
    phase:
      raw.phase === undefined
        ? undefined
        : parseInteger('--phase', raw.phase, { min: 1, max: runner.migrations.length }),
    dryRun: Boolean(raw.dryRun),
    indexWaitMs:
      raw.indexWait === undefined
        ? DEFAULT_INDEX_WAIT_MS
        : parseDuration('--index-wait', raw.indexWait),
    acceptEdited: Boolean(raw.acceptEdited),
    retries:
      raw.retries === undefined
        ? DEFAULT_RETRY.retries
        : parseInteger('--retries', raw.retries, { min: 0, max: 100 }),
    yes: Boolean(raw.yes),
  }
}
