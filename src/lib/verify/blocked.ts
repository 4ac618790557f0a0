/**
 * Why verify-triggers could not run a proof, in one line: the session holding the lock it gave
 * up waiting for, the privilege it lacks, or the read-only server. None of them means a
 * guarantee is broken (exit 1, not 3).
 */
import type { Sql } from '../db/connect.js'
import { query } from '../db/sql-files.js'
import { type LockBlocker, timeoutError } from '../errors.js'
import type { Proof, ProofResult } from './proofs.js'

export interface CouldNotRun {
  message: string
  hint: string
}

const NOTHING_BROKEN = 'Nothing is known to be broken:'

export async function explainCouldNotRun(
  sql: Sql,
  proof: Proof,
  result: ProofResult,
  timeouts: { lockMs: number; statementMs: number },
): Promise<CouldNotRun> {
  const { sqlstate, message } = result.couldNotRun ?? { sqlstate: '', message: '' }
  const what = `verify-triggers could not run the proof "${proof.name}"`
  const statementTimeout = sqlstate === '57014' && /statement timeout/.test(message)
  if (sqlstate === '55P03' || statementTimeout) {
    const blocker = await lockHolder(sql, proof.tables)
    const err = timeoutError(
      { name: 'PostgresError', code: sqlstate, message },
      { lockTimeout: `${timeouts.lockMs}ms`, statementTimeout: `${timeouts.statementMs}ms` },
      blocker,
    )
    return {
      message: `${what}: ${lowerFirst(err.message)}`,
      hint: `${NOTHING_BROKEN} ${lowerFirst(err.hint ?? '')}`,
    }
  }
  if (sqlstate === '42501') {
    return {
      message: `${what}: ${message}`,
      hint: `${NOTHING_BROKEN} the proofs need SELECT, INSERT, UPDATE and DELETE on the VRSS tables and USAGE on their sequences (all rolled back); run verify-triggers as the tables' owner or the application's role.`,
    }
  }
  if (sqlstate === '25006') {
    return {
      message: `${what}: ${message}`,
      hint: `${NOTHING_BROKEN} the proofs write (and roll back); run verify-triggers against the primary, with transactions that are not read-only.`,
    }
  }
  // A deadlock (it gave way to the application) or a cancel (pg_cancel_backend).
  return {
    message: `${what}: ${message}`,
    hint: `${NOTHING_BROKEN} it was stopped from outside the proof; run it again.`,
  }
}

async function lockHolder(sql: Sql, tables: string[]): Promise<LockBlocker | undefined> {
  try {
    const [row] = await query<LockBlocker>(sql, 'queries/lock-blocker', [tables])
    return row
  } catch {
    return undefined
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1)
}
