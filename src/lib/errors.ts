/**
 * The one error type of vrss-db and the one place that turns any thrown value into
 * what the user sees: a message, a hint and an exit code (docs/cli.md).
 */

export const ExitCode = {
  ok: 0,
  runtime: 1,
  usage: 2,
  checkFailed: 3,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

export interface VrssErrorOptions {
  hint?: string
  exitCode?: ExitCode
  /** Machine-readable code for --json output (e.g. a SQLSTATE or 'CONNECTION_REFUSED'). */
  code?: string
  details?: Record<string, unknown>
  cause?: unknown
}

export class VrssError extends Error {
  readonly hint: string | undefined
  readonly exitCode: ExitCode
  readonly code: string | undefined
  readonly details: Record<string, unknown> | undefined

  constructor(message: string, options: VrssErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'VrssError'
    this.hint = options.hint
    this.exitCode = options.exitCode ?? ExitCode.runtime
    this.code = options.code
    this.details = options.details
  }
}

export function usageError(message: string, hint?: string): VrssError {
  return new VrssError(message, { exitCode: ExitCode.usage, code: 'USAGE', hint })
}

/** A check that ran fine but found a problem (exit 3). */
export function checkFailed(message: string, hint?: string): VrssError {
  return new VrssError(message, { exitCode: ExitCode.checkFailed, code: 'CHECK_FAILED', hint })
}

/** The fields postgres.js puts on a server error (its PostgresError). */
export interface PgErrorFields {
  name: string
  message: string
  code: string
  severity?: string
  detail?: string
  hint?: string
  position?: string
  where?: string
  schema_name?: string
  table_name?: string
  column_name?: string
  constraint_name?: string
}

export function isPostgresError(err: unknown): err is PgErrorFields {
  return (
    err instanceof Error &&
    err.name === 'PostgresError' &&
    typeof (err as { code?: unknown }).code === 'string'
  )
}

/** Renders a server error with its SQLSTATE, detail and hint. */
export function fromPostgresError(err: PgErrorFields, context?: string): VrssError {
  const prefix = context ? `${context}: ` : ''
  const detail = err.detail ? ` (${err.detail})` : ''
  return new VrssError(`${prefix}${err.message} [SQLSTATE ${err.code}]${detail}`, {
    code: err.code,
    hint: err.hint,
    details: {
      sqlstate: err.code,
      detail: err.detail,
      hint: err.hint,
      position: err.position ? Number(err.position) : undefined,
      where: err.where,
      table: err.table_name,
      constraint: err.constraint_name,
    },
    cause: err,
  })
}

/** The SQLSTATEs of a statement that gave up waiting: lock_timeout, or statement_timeout. */
export function isTimeout(err: unknown): err is PgErrorFields {
  return (
    isPostgresError(err) &&
    (err.code === '55P03' || (err.code === '57014' && /statement timeout/.test(err.message)))
  )
}

/** A session holding a lock that blocks others (from pg_locks and pg_stat_activity). */
export interface LockBlocker {
  relation: string
  pid: number
  application_name: string
  state: string | null
  state_seconds: number
}

/**
 * "Gave up after 5s waiting for a lock on posts held by pid 123 (application_name "psql",
 * idle in transaction for 42s)": what the statement waited for and who holds it.
 */
export function timeoutError(
  err: PgErrorFields,
  settings: { lockTimeout: string; statementTimeout: string },
  blocker: LockBlocker | undefined,
): VrssError {
  const who = blocker
    ? `pid ${blocker.pid} (application_name "${blocker.application_name || '?'}"${blocker.state ? `, ${blocker.state} for ${blocker.state_seconds}s` : ''})`
    : ''
  const message =
    err.code === '55P03'
      ? `Gave up after ${settings.lockTimeout} waiting for a lock${blocker ? ` on ${blocker.relation} held by ${who}` : ''} (lock_timeout)`
      : `Gave up after ${settings.statementTimeout}: a statement ran longer than statement_timeout${blocker ? `; ${blocker.relation} is locked by ${who}` : ''}`
  return new VrssError(message, {
    code: err.code,
    hint: blocker
      ? `Wait for that transaction to end, or end it with: select pg_terminate_backend(${blocker.pid})`
      : 'Another session held what this command needed; look in pg_locks and pg_stat_activity, and try again.',
    details: { sqlstate: err.code, ...(blocker ? { blocker } : {}) },
    cause: err,
  })
}

/** The one mapping from anything thrown to a VrssError. */
export function toVrssError(err: unknown): VrssError {
  if (err instanceof VrssError) return err
  if (isPostgresError(err)) return fromPostgresError(err)
  const message = err instanceof Error ? err.message : String(err)
  return new VrssError(`Unexpected error: ${message}`, {
    code: 'INTERNAL',
    hint: 'Run again with --debug for the stack trace, and report it if it persists.',
    cause: err,
  })
}

export interface ErrorDocument {
  error: {
    message: string
    hint?: string
    code?: string
    exitCode: number
    details?: Record<string, unknown>
  }
}

export function errorDocument(err: VrssError): ErrorDocument {
  return {
    error: {
      message: err.message,
      ...(err.hint ? { hint: err.hint } : {}),
      ...(err.code ? { code: err.code } : {}),
      exitCode: err.exitCode,
      ...(err.details ? { details: dropUndefined(err.details) } : {}),
    },
  }
}

function dropUndefined(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined))
}
