/**
 * Scoped database helpers that always release what they take: a dedicated connection, a
 * transaction on it, a session advisory lock.
 */

import { isTimeout, type LockBlocker, timeoutError, VrssError } from '../errors.js'
import type { ReservedSql, Sql } from './connect.js'
import { query } from './sql-files.js'
import type { ConnectionSpec } from './target.js'

/** One connection of the pool for a session's worth of work; always given back. */
export async function withReservedConnection<T>(
  sql: Sql,
  fn: (conn: ReservedSql) => Promise<T>,
): Promise<T> {
  const conn = await sql.reserve()
  try {
    return await fn(conn)
  } finally {
    conn.release()
  }
}

export interface TransactionOptions {
  /** SET LOCAL lock_timeout: give up rather than queue behind a long transaction. */
  lockTimeoutMs?: number
  statementTimeoutMs?: number
}

/**
 * BEGIN … COMMIT on a reserved connection (postgres.js' sql.begin works on pools only);
 * ROLLBACK on any error, which is then rethrown.
 */
export async function withTransaction<T>(
  conn: ReservedSql,
  fn: (conn: ReservedSql) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  await conn.unsafe('begin')
  try {
    if (options.lockTimeoutMs !== undefined) {
      await conn`select set_config('lock_timeout', ${`${options.lockTimeoutMs}ms`}, true)`
    }
    if (options.statementTimeoutMs !== undefined) {
      await conn`select set_config('statement_timeout', ${`${options.statementTimeoutMs}ms`}, true)`
    }
    const result = await fn(conn)
    await conn.unsafe('commit')
    return result
  } catch (err) {
    await conn.unsafe('rollback').catch(() => undefined)
    throw err
  }
}

/** The session settings a read-only command also sets inside its transaction. */
const TRANSACTION_SETTINGS = ['lock_timeout', 'statement_timeout'] as const

/**
 * `fn` in one BEGIN READ ONLY … COMMIT on a connection of the pool, with lock_timeout and
 * statement_timeout of `settings` set for the transaction (SET LOCAL). A read-only command does
 * not depend on its start-up settings this way: through a pooler that refused them (PgBouncer)
 * it still cannot write and still gives up waiting.
 */
export async function withReadOnlyTransaction<T>(
  sql: Sql,
  settings: Record<string, string>,
  fn: (sql: Sql) => Promise<T>,
): Promise<T> {
  const result = await sql.begin('read only', async (tx) => {
    for (const name of TRANSACTION_SETTINGS) {
      const value = settings[name]
      if (value !== undefined) await tx`select set_config(${name}, ${value}, true)`
    }
    // A transaction's handle runs queries as the pool does (no reserve, begin or end).
    return [await fn(tx as unknown as Sql)]
  })
  return result[0] as T
}

/**
 * A statement that gave up waiting (lock_timeout, statement_timeout) becomes an error naming
 * what it waited for and who holds it, asked of the server right after it gave up. Asked on a
 * connection of its own: after a statement fails part-way through its rows, postgres.js 3.4.9
 * places the next result on that connection after as many empty slots. Anything else is
 * returned as it is.
 */
export async function explainTimeout(
  spec: ConnectionSpec,
  timeouts: { lockTimeout: string; statementTimeout: string },
  err: unknown,
): Promise<unknown> {
  if (!isTimeout(err)) return err
  const { createSql } = await import('./connect.js')
  const sql = createSql(spec, { max: 1, connection: { statement_timeout: '5s' } })
  try {
    const [blocker] = await query<LockBlocker>(sql, 'queries/lock-blocker', [null])
    return timeoutError(err, timeouts, blocker)
  } catch {
    return timeoutError(err, timeouts, undefined)
  } finally {
    await sql.end({ timeout: 1 })
  }
}

export interface LockHolder {
  pid: number
  application_name: string
  client_addr: string | null
  state: string | null
  backend_start: Date
}

export interface AdvisoryLockOptions {
  /** Give up after this long; 0 means try once. */
  timeoutMs: number
  pollMs?: number
  /** What the lock protects, for the error message ("the migration lock"). */
  what: string
  /** Called once when the lock is busy and we start waiting. */
  onWait?: (holder: LockHolder | undefined) => void
}

/**
 * A session-level advisory lock named by `name`, held on a dedicated connection for the whole
 * of `fn` and polled (never an unbounded wait). On timeout the error names the holder.
 */
export async function withAdvisoryLock<T>(
  sql: Sql,
  name: string,
  options: AdvisoryLockOptions,
  fn: (conn: ReservedSql, session: LockSession) => Promise<T>,
): Promise<T> {
  return withReservedConnection(sql, async (conn) => {
    const deadline = Date.now() + options.timeoutMs
    let waited = false
    let backendPid = 0
    for (;;) {
      const [row] = await query<{ locked: boolean; pid: number }>(conn, 'db/advisory-try-lock', [
        name,
      ])
      backendPid = row?.pid ?? 0
      if (row?.locked) break
      const holder = await lockHolder(conn, name)
      if (!waited) options.onWait?.(holder)
      waited = true
      if (Date.now() >= deadline) throw lockTimeout(options, holder)
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 200))
    }
    try {
      return await fn(conn, { assertHeld: () => assertSameBackend(conn, backendPid) })
    } finally {
      await query(conn, 'db/advisory-unlock', [name]).catch(() => undefined)
    }
  })
}

export interface LockSession {
  /** Fails when the statements no longer reach the backend that holds the lock. */
  assertHeld(): Promise<void>
}

/**
 * A session lock only protects anything while every statement reaches the same backend. Behind
 * PgBouncer in transaction mode they do not, and the lock would protect nothing (and leak).
 */
async function assertSameBackend(conn: ReservedSql, lockPid: number): Promise<void> {
  const [row] = await conn`select pg_backend_pid() as pid`
  if (row?.pid !== lockPid) {
    throw new VrssError(
      'The connection changed server sessions between statements: this looks like a pooler in transaction mode (PgBouncer)',
      {
        hint: 'Run migrate with a direct URL to PostgreSQL (or a session-mode pool); see the README, "PgBouncer".',
        code: 'POOLED_SESSION',
      },
    )
  }
}

export async function lockHolder(
  sql: Sql | ReservedSql,
  name: string,
): Promise<LockHolder | undefined> {
  const [holder] = await query<LockHolder>(sql, 'db/lock-holder', [name])
  return holder
}

function lockTimeout(options: AdvisoryLockOptions, holder: LockHolder | undefined): VrssError {
  const who = holder
    ? `backend pid ${holder.pid} (application_name "${holder.application_name || '?'}"${holder.client_addr ? `, from ${holder.client_addr}` : ''}, connected since ${holder.backend_start.toISOString()})`
    : 'another session (it released the lock just now or is not visible to this user)'
  const message =
    options.timeoutMs === 0
      ? `${options.what} is held by ${who}`
      : `Timed out after ${options.timeoutMs / 1000}s waiting for ${options.what}, held by ${who}`
  return new VrssError(message, {
    hint: holder
      ? `Wait for it to finish, or stop it with: select pg_terminate_backend(${holder.pid})`
      : 'Try again.',
    code: 'LOCK_TIMEOUT',
    details: holder ? { holder } : undefined,
  })
}
