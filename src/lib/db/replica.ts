/**
 * A replica given by a flag (explain --replica, reconcile --read-from): opened as a further
 * pool of the command (closed with it, and on Ctrl+C), read-only, and refused unless it is a
 * hot standby — of the target's own cluster when the role may see both identifiers. Then, for
 * work that must see every change the primary committed, a bounded wait for its replay
 * position to reach the primary's current WAL position.
 */
import { isPostgresError, usageError, VrssError } from '../errors.js'
import type { Sql } from './connect.js'
import { query } from './sql-files.js'
import { type ConnectionSpec, describeSpec, type Env, parseDatabaseUrl } from './target.js'

export interface Replica {
  sql: Sql
  /** Masked URL, safe to print. */
  display: string
}

/** The replica's URL, through the same libpq-style parser as --database-url. */
export function parseReplicaUrl(flag: string, value: unknown, env: Env): ConnectionSpec {
  const raw = String(value ?? '').trim()
  if (!raw) throw usageError(`${flag} needs the URL of a replica (postgres://…)`)
  try {
    return parseDatabaseUrl(raw, env)
  } catch (err) {
    // The parser's messages are about "the database URL": say which flag it was.
    if (!(err instanceof VrssError)) throw err
    throw new VrssError(`${flag}: ${err.message}`, {
      hint: err.hint,
      exitCode: err.exitCode,
      code: err.code,
      details: err.details,
    })
  }
}

/** What opening a replica needs of a command's context (a CoreContext has it). */
export interface ReplicaOpener {
  sql: Sql
  target: { display: string }
  openConnection(options: {
    spec: ConnectionSpec
    max?: number
    session?: Record<string, string>
  }): Promise<Sql>
}

/**
 * Opens `spec` read-only with the command's session settings, and refuses (exit 1, one line) a
 * server that is not in recovery, or one of another cluster than the target.
 */
export async function openReplica(
  ctx: ReplicaOpener,
  spec: ConnectionSpec,
  flag: string,
  options: { max?: number; session?: Record<string, string> } = {},
): Promise<Replica> {
  const display = describeSpec(spec)
  const sql = await ctx.openConnection({
    spec,
    max: options.max,
    session: { ...options.session, default_transaction_read_only: 'on' },
  })
  const [row] = await query<{ in_recovery: boolean }>(sql, 'queries/read-only')
  if (!row?.in_recovery) {
    throw new VrssError(
      `${flag} ${display} is not a replica: it is not in recovery (pg_is_in_recovery() is false)`,
      {
        hint: `Give ${flag} the URL of a streaming standby of ${ctx.target.display}, or drop ${flag}.`,
        code: 'NOT_A_REPLICA',
      },
    )
  }
  const [replicaId, targetId] = [await systemId(sql), await systemId(ctx.sql)]
  if (replicaId && targetId && replicaId !== targetId) {
    throw new VrssError(
      `${flag} ${display} is a standby of another cluster than ${ctx.target.display} (system identifier ${replicaId}, not ${targetId})`,
      { hint: `Give ${flag} a standby of ${ctx.target.display}.`, code: 'NOT_A_REPLICA' },
    )
  }
  return { sql, display }
}

/** null when the role may not call pg_control_system(): the check is then skipped. */
async function systemId(sql: Sql): Promise<string | null> {
  try {
    const [row] = await query<{ system_identifier: string }>(sql, 'queries/replica-system-id')
    return row?.system_identifier ?? null
  } catch (err) {
    if (isPostgresError(err) && err.code === '42501') return null
    throw err
  }
}

export interface ReplayCheck {
  /** The primary's WAL position when the check started. */
  primaryLsn: string
  /** The replica's replay position once it reached primaryLsn. */
  replayLsn: string
  waitedMs: number
}

interface Replayed {
  replay_lsn: string | null
  caught_up: boolean
  bytes_behind: number | null
}

const POLL_MS = 100

/**
 * Waits (at most `maxWaitMs`; 0 checks once) until the replica has replayed everything the
 * primary (`primary`, not in recovery) had written when this was called; else exit 1 with one
 * line saying how far behind it is.
 */
export async function awaitReplay(
  primary: Sql,
  replica: Replica,
  maxWaitMs: number,
  flag: string,
): Promise<ReplayCheck> {
  const [position] = await query<{ lsn: string }>(primary, 'queries/primary-wal-position')
  const primaryLsn = position?.lsn as string
  const started = Date.now()
  for (;;) {
    const [row] = await query<Replayed>(replica.sql, 'queries/replica-replayed', [primaryLsn])
    const waitedMs = Date.now() - started
    if (row?.caught_up) return { primaryLsn, replayLsn: row.replay_lsn as string, waitedMs }
    if (waitedMs >= maxWaitMs) throw replicaBehind(replica, row, primaryLsn, waitedMs, flag)
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, maxWaitMs - waitedMs)))
  }
}

function replicaBehind(
  replica: Replica,
  row: Replayed | undefined,
  primaryLsn: string,
  waitedMs: number,
  flag: string,
): VrssError {
  const behind =
    row?.bytes_behind === null || row?.bytes_behind === undefined
      ? 'has replayed nothing yet'
      : `is ${Number(row.bytes_behind).toLocaleString('en-US')} bytes of WAL behind the primary (replayed ${row.replay_lsn}, primary at ${primaryLsn})`
  return new VrssError(
    `The replica ${replica.display} ${behind} after waiting ${(waitedMs / 1000).toFixed(1)}s: not trusting it`,
    {
      hint: `Nothing was read or changed. Try again when it has caught up, allow a longer wait (--replica-wait), or drop ${flag} to read from the primary.`,
      code: 'REPLICA_BEHIND',
      details: { primaryLsn, replayLsn: row?.replay_lsn ?? null, bytesBehind: row?.bytes_behind },
    },
  )
}
