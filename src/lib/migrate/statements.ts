/**
 * Runs the statements of a phase file one by one, so that a failure names its file and line,
 * with the SQLSTATE and a hint that says what to do about it.
 */
import type { ReservedSql } from '../db/connect.js'
import { type SqlStatement, splitStatements } from '../db/sql-split.js'
import { isPostgresError, VrssError } from '../errors.js'

/** Runs each statement of a file; an error names the file, line, SQLSTATE and message. */
export async function runScript(conn: ReservedSql, text: string, file: string): Promise<void> {
  for (const statement of splitStatements(text)) await runStatement(conn, statement, file)
}

export async function runStatement(
  conn: ReservedSql,
  statement: SqlStatement,
  file: string,
): Promise<void> {
  try {
    await conn.unsafe(statement.sql).simple()
  } catch (err) {
    throw statementError(err, file, statement.line, statement.sql)
  }
}

export function statementError(
  err: unknown,
  file: string,
  line: number,
  statementSql: string,
): VrssError {
  if (!isPostgresError(err))
    return err instanceof VrssError ? err : new VrssError(String(err), { cause: err })
  const position = err.position ? Number(err.position) : undefined
  const exactLine =
    position === undefined
      ? line
      : line + (statementSql.slice(0, position - 1).match(/\n/g)?.length ?? 0)
  const detail = err.detail ? ` (${err.detail})` : ''
  return new VrssError(`${file}:${exactLine}: ${err.message} [SQLSTATE ${err.code}]${detail}`, {
    code: err.code,
    hint: hintFor(err.code, err.hint),
    details: {
      file,
      line: exactLine,
      statement: statementSql.slice(0, 300),
      sqlstate: err.code,
      detail: err.detail,
      hint: err.hint,
      where: err.where,
    },
    cause: err,
  })
}

function hintFor(sqlstate: string, serverHint: string | undefined): string | undefined {
  switch (sqlstate) {
    case '42P07':
    case '42710':
    case '42723':
      return 'An object of that name already exists but was not created by vrss-db (it is not in schema_migrations). Rename or drop it, or migrate another database or schema. Nothing of this phase was applied.'
    case '42501':
      return 'The database user lacks a privilege: migrate as the schema owner (GRANT CREATE ON SCHEMA public TO …).'
    case '55P03':
      return 'Another transaction holds a lock this phase needs; the phase gave up (lock_timeout) rather than block traffic. Retry when it is done, or raise --lock-timeout.'
    case '57014':
      return 'The statement was cancelled (statement_timeout or an operator).'
    default:
      return serverHint
  }
}
