/**
 * Checks run right after connecting, before a command starts work it could not finish: the one
 * place that tells a writing command it is connected to a read-only replica (hot standby) or to
 * a database whose transactions are read-only by default, instead of a raw `cannot execute …
 * in a read-only transaction` half-way through.
 */

import type { CoreContext } from '../core.js'
import type { Sql } from '../db/connect.js'
import { detectPooling, settingsRefused } from '../db/pooling.js'
import { query } from '../db/sql-files.js'
import { VrssError } from '../errors.js'
import { comparePhases, type PhaseStatus, readApplied } from '../migrate/bookkeeping.js'
import { loadMigrations } from '../migrate/files.js'

interface ReadOnlyRow {
  in_recovery: boolean
  read_only: boolean
}

export type ReadOnlyReason = 'replica' | 'read-only-default'

/** Why this connection cannot write, or undefined when it can. */
export async function readOnlyReason(sql: Sql): Promise<ReadOnlyReason | undefined> {
  const [row] = await query<ReadOnlyRow>(sql, 'queries/read-only')
  if (row?.in_recovery) return 'replica'
  if (row?.read_only) return 'read-only-default'
  return undefined
}

export function describeReadOnly(reason: ReadOnlyReason): string {
  return reason === 'replica'
    ? 'this is a read-only replica (hot standby, pg_is_in_recovery() is true)'
    : 'transactions are read-only by default on this database (default_transaction_read_only = on for the database or role)'
}

/**
 * Exit 1 before `command` writes anything when the target cannot take writes. `alternative`
 * names what does work there (e.g. --dry-run).
 */
export async function assertWritable(sql: Sql, command: string, alternative?: string) {
  const reason = await readOnlyReason(sql)
  if (!reason) return
  const where =
    reason === 'replica'
      ? 'against the primary'
      : 'against the primary, or as a role/database where default_transaction_read_only is off'
  throw new VrssError(`Cannot run \`${command}\`: ${describeReadOnly(reason)}`, {
    hint: `Run \`${command}\` ${where}.${alternative ? ` ${alternative}` : ''}`,
    code: reason === 'replica' ? 'READ_ONLY_REPLICA' : 'READ_ONLY_DATABASE',
    details: { reason },
  })
}

/** A command that needs one server session for its whole run, and why (for the message). */
export interface SessionCommand {
  command: string
  /** What needs the session, e.g. "its migration lock is a session advisory lock". */
  because: string
  /** What needs its start-up settings honoured, when something does (a scratch search_path). */
  startupSettings?: string
}

/**
 * Exit 1 before `command` does any work when it reaches PostgreSQL through a pooler in
 * transaction mode (PgBouncer): what needs one server session (a session advisory lock) would
 * protect nothing there, and could stay held on a pooled server session after the run.
 */
export async function assertSessionPooling(sql: Sql, need: SessionCommand): Promise<void> {
  const hint =
    'Give a direct URL to PostgreSQL (its own host and port, not PgBouncer\'s) or a session-mode pool; see the README, "PgBouncer".'
  if ((await detectPooling(sql)) === 'transaction') {
    throw new VrssError(
      `Cannot run \`${need.command}\` through a pooler in transaction mode (PgBouncer): ${need.because}, and consecutive statements reach different server sessions there`,
      { hint, code: 'POOLED_SESSION' },
    )
  }
  if (need.startupSettings && settingsRefused(sql)) {
    throw new VrssError(
      `Cannot run \`${need.command}\` through a pooler that refuses start-up settings (PgBouncer): ${need.startupSettings}`,
      { hint: hint.replace(' or a session-mode pool', ''), code: 'STARTUP_SETTINGS_REFUSED' },
    )
  }
}

export interface MigratedOptions {
  /** What the command was about to do, for the message ("seed", "reconcile", …). */
  action: string
  /** The bookkeeping table (--migrations-table); schema_migrations when undefined. */
  migrationsTable?: string
  /** The phases the command needs; every embedded phase when undefined. */
  phases?: readonly number[]
  /** What to run first; `vrss-db migrate` when undefined. */
  hint?: string
}

/**
 * The one "is it migrated?" check of every command that needs the VRSS schema: exit 1 naming
 * the phases that are not applied (an edited phase counts as applied; `status` reports it).
 * Returns every phase's state for commands that adapt to what is applied (verify-triggers).
 */
export async function requireMigrated(
  ctx: CoreContext,
  options: MigratedOptions,
): Promise<PhaseStatus[]> {
  const phases = comparePhases(
    loadMigrations(),
    await readApplied(ctx.sql, options.migrationsTable),
  )
  const needed = (p: PhaseStatus) => !options.phases || options.phases.includes(p.version)
  const missing = phases.filter((p) => p.state === 'pending' && needed(p))
  if (missing.length === 0) return phases
  const list = missing.map((p) => `${p.version} ${p.name}`).join(', ')
  throw new VrssError(
    `Cannot ${options.action}: ${ctx.target.display} is not migrated (phase(s) ${list} are not applied)`,
    {
      hint: options.hint ?? 'Run `vrss-db migrate` first.',
      code: 'NOT_MIGRATED',
      details: { pending: missing.map((p) => p.version) },
    },
  )
}
