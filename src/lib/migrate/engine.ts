/**
 * The migration engine: applies one phase statement by statement (so a failure names its file
 * and line) in one transaction together with its bookkeeping row, and reverts one with its
 * down script. Bookkeeping SQL lives in bookkeeping.ts; phases outside a transaction (and the
 * INVALID-index recovery they need) in concurrent.ts.
 */
import type { ReservedSql } from '../db/connect.js'
import { withTransaction } from '../db/sessions.js'
import { VrssError } from '../errors.js'
import { forgetApplied, isRecorded, recordApplied } from './bookkeeping.js'
import { applyWithoutTransaction, type ConcurrentOptions } from './concurrent.js'
import type { Migration } from './files.js'
import { runScript } from './statements.js'

/** The advisory lock that serialises migrate and rollback across deploy hosts. */
export const MIGRATION_LOCK = 'vrss-db:migrate'

export interface ApplyOptions extends ConcurrentOptions {
  /** The bookkeeping table (--migrations-table); schema_migrations by default. */
  table?: string
}

/**
 * Applies one phase. A transactional phase re-checks the bookkeeping inside its transaction, so
 * even two runners that both got past the lock could not apply it twice.
 * Returns the execution time, or undefined when another runner had applied it already.
 */
export async function applyMigration(
  conn: ReservedSql,
  migration: Migration,
  options: ApplyOptions,
): Promise<number | undefined> {
  const started = performance.now()
  const record = async () => {
    const ms = Math.round(performance.now() - started)
    await recordApplied(conn, migration, ms, options.table)
    return ms
  }
  if (migration.transactional) {
    return withTransaction(
      conn,
      async () => {
        if (await isRecorded(conn, migration.version, options.table)) return undefined
        await runScript(conn, migration.up, migration.file)
        return record()
      },
      { lockTimeoutMs: options.lockTimeoutMs },
    )
  }
  await applyWithoutTransaction(conn, migration, options)
  return record()
}

/** Runs a phase's down script and removes its bookkeeping row, in one transaction. */
export async function revertMigration(
  conn: ReservedSql,
  migration: Migration,
  options: ApplyOptions & {
    /** Runs inside the transaction before the down script (e.g. lock and re-check tables). */
    beforeDown?: (conn: ReservedSql) => Promise<void>
  },
): Promise<number> {
  const down = migration.down
  if (down === undefined) {
    throw new VrssError(`${migration.file} has no down script`, {
      hint: `Add ${migration.file.replace(/\.sql$/, '.down.sql')} next to it.`,
    })
  }
  const started = performance.now()
  await withTransaction(
    conn,
    async () => {
      await options.beforeDown?.(conn)
      await runScript(conn, down, migration.file.replace(/\.sql$/, '.down.sql'))
      await forgetApplied(conn, migration.version, options.table)
    },
    { lockTimeoutMs: options.lockTimeoutMs },
  )
  return Math.round(performance.now() - started)
}
