/**
 * What `explain --file` may run. explain measures a query by running it dozens of times, so a
 * query under review must not change anything: every run happens inside a transaction that is
 * always rolled back, READ ONLY unless --allow-writes. A few things act outside the
 * transaction or survive a rollback; those are refused before the first run:
 *   1. statement kinds: only a query EXPLAIN can wrap (SELECT, WITH, VALUES, TABLE; INSERT,
 *      UPDATE, DELETE, MERGE with --allow-writes) — no DO, CALL, COPY, COMMIT, SET, DDL;
 *   2. exactly one statement per file;
 *   3. calls of functions whose effect a rollback does not undo, found in the plan PostgreSQL
 *      makes for the query (EXPLAIN VERBOSE prints every call by its real name, however the
 *      file spells or quotes it).
 * Functions of your own that call such functions inside their bodies cannot be seen this way.
 */

import { splitStatements } from '../db/sql-split.js'
import { usageError, VrssError } from '../errors.js'

/**
 * Functions whose effect survives a rollback: sequence moves, signals to other backends, work
 * done over another connection, session-level locks, replication slots, statistics resets,
 * server-wide actions, files written on the server.
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
  'pg_wal_replay_pause',
  'pg_wal_replay_resume',
  'pg_advisory_lock',
  'pg_advisory_lock_shared',
  'pg_try_advisory_lock',
  'pg_try_advisory_lock_shared',
  'pg_advisory_unlock',
  'pg_advisory_unlock_all',
  'pg_create_physical_replication_slot',
  'pg_create_logical_replication_slot',
  'pg_drop_replication_slot',
  'pg_copy_physical_replication_slot',
  'pg_copy_logical_replication_slot',
  'pg_replication_slot_advance',
  'pg_logical_emit_message',
  'pg_stat_reset',
  'pg_stat_reset_shared',
  'pg_stat_reset_single_table_counters',
  'pg_stat_reset_single_function_counters',
  'pg_stat_reset_slru',
  'pg_stat_reset_replication_slot',
  'pg_stat_reset_subscription_stats',
  'pg_stat_statements_reset',
  'pg_file_write',
  'pg_file_rename',
  'pg_file_unlink',
  'lo_export',
  'lo_import',
  'dblink',
  'dblink_exec',
  'dblink_send_query',
  'dblink_connect',
  'dblink_connect_u',
]

const READ_KINDS = ['select', 'with', 'values', 'table']
const WRITE_KINDS = ['insert', 'update', 'delete', 'merge']

/** The single statement of a --file, or a usage error saying why it cannot be measured. */
export function measurableStatement(text: string, file: string, allowWrites: boolean): string {
  const statements = splitStatements(text)
  if (statements.length === 0) throw usageError(`--file ${file} holds no SQL statement`)
  if (statements.length > 1) {
    throw usageError(
      `--file ${file} holds ${statements.length} statements (lines ${statements.map((s) => s.line).join(', ')}); explain times exactly one`,
      'Put the one query to measure in its own file.',
    )
  }
  const sql = (statements[0]?.sql ?? '').replace(/;\s*$/, '')
  const kind = (/^[\s(]*([a-z]+)/i.exec(sql)?.[1] ?? '').toLowerCase()
  if (WRITE_KINDS.includes(kind) && !allowWrites) {
    throw new VrssError(
      `--file ${file} is an ${kind.toUpperCase()}, and explain runs queries read-only`,
      {
        hint: 'Nothing was run. To time a write query anyway (it is always rolled back), add --allow-writes.',
        code: 'QUERY_WRITES',
        exitCode: 2,
      },
    )
  }
  if (!READ_KINDS.includes(kind) && !WRITE_KINDS.includes(kind)) {
    throw usageError(
      `--file ${file} is a ${kind ? kind.toUpperCase() : 'non-query'} statement: explain measures queries (SELECT, WITH, VALUES; INSERT, UPDATE, DELETE, MERGE with --allow-writes)`,
    )
  }
  return sql
}

/** Names of refused functions called anywhere in an EXPLAIN (VERBOSE, FORMAT JSON) plan. */
export function nonTransactionalCalls(plan: unknown): string[] {
  const expressions: string[] = []
  const collect = (value: unknown): void => {
    if (typeof value === 'string') expressions.push(value)
    else if (Array.isArray(value)) value.forEach(collect)
    else if (value && typeof value === 'object') Object.values(value).forEach(collect)
  }
  collect(plan)
  // Constants are printed as standard string literals ('…', quotes doubled): a function's
  // name inside one is not a call.
  const text = expressions
    .join('\n')
    .replace(/'(?:[^']|'')*'/g, "''")
    .toLowerCase()
  return NON_TRANSACTIONAL.filter((name) =>
    new RegExp(`(^|[^a-z0-9_$])"?${name}"?\\s*\\(`).test(text),
  )
}

export function refuseNonTransactional(found: string[], what: string): void {
  if (found.length === 0) return
  throw usageError(
    `${what} calls ${found.join(', ')}, whose effect a rollback does not undo`,
    'Nothing was run. explain runs the query dozens of times; measure a query without such calls.',
  )
}
