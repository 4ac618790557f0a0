/**
 * Checks run right after connecting, before a command starts work it could not finish: the one
 * place that tells a writing command it is connected to a read-only replica (hot standby) or to
 * a database whose transactions are read-only by default, instead of a raw `cannot execute …
 * in a read-only transaction` half-way through.
 */

import type { Sql } from './connect.js'
import { VrssError } from './errors.js'
import { query } from './sql-files.js'

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
