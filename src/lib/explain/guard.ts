/**
 * What `explain --file` may run. explain measures a query by running it dozens of times, so a
 * query under review must not change anything: every run happens inside a transaction that is
 * always rolled back, READ ONLY unless --allow-writes. A few things survive a rollback or act
 * outside the transaction; those are refused up front, by name.
 */
import { usageError } from '../errors.js'
import { splitStatements } from '../sql-split.js'

/**
 * Functions whose effect a rollback cannot undo: sequence moves, signals to other backends,
 * work done over another connection, server-wide actions, files written on the server.
 */
const NON_TRANSACTIONAL = [
  'nextval',
  'setval',
  'pg_terminate_backend',
  'pg_cancel_backend',
  'pg_reload_conf',
  'pg_rotate_logfile',
  'pg_switch_wal',
  'pg_create_restore_point',
  'pg_promote',
  'pg_advisory_lock',
  'pg_advisory_lock_shared',
  'pg_try_advisory_lock',
  'pg_try_advisory_lock_shared',
  'pg_file_write',
  'lo_export',
  'lo_import',
  'dblink',
  'dblink_exec',
  'dblink_send_query',
  'dblink_connect',
]

/** The single statement of a --file, or a usage error saying why it cannot be measured. */
export function measurableStatement(text: string, file: string): string {
  const statements = splitStatements(text)
  if (statements.length === 0) throw usageError(`--file ${file} holds no SQL statement`)
  if (statements.length > 1) {
    throw usageError(
      `--file ${file} holds ${statements.length} statements (lines ${statements.map((s) => s.line).join(', ')}); explain times exactly one`,
      'Put the one query to measure in its own file.',
    )
  }
  const sql = (statements[0]?.sql ?? '').replace(/;\s*$/, '')
  const found = nonTransactionalCalls(sql)
  if (found.length > 0) {
    throw usageError(
      `--file ${file} calls ${found.join(', ')}, whose effect a rollback does not undo`,
      'explain runs the query dozens of times; measure a query without such calls.',
    )
  }
  if (/^\s*(copy|vacuum|cluster|reindex|checkpoint|alter\s+system)\b/i.test(code(sql))) {
    throw usageError(
      `--file ${file} is a ${code(sql).trim().split(/\s+/)[0]?.toUpperCase()} statement, which explain cannot measure safely`,
    )
  }
  return sql
}

/** Names of refused functions called in the statement (outside strings and comments). */
export function nonTransactionalCalls(sql: string): string[] {
  const text = code(sql).toLowerCase()
  return NON_TRANSACTIONAL.filter((name) =>
    new RegExp(`(^|[^a-z0-9_$])("?)${name}\\2\\s*\\(`).test(text),
  )
}

/** The statement with string literals, quoted identifiers' contents and comments blanked. */
function code(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\$([a-z_][a-z0-9_]*)?\$[\s\S]*?\$\1\$/gi, "''")
    .replace(/'(?:[^']|'')*'/g, "''")
}
