/**
 * What a verify-triggers proof is and how one runs: in its own transaction that is always
 * rolled back. Sequences it touches that this role owns are made transactional first (ALTER
 * SEQUENCE rewrites them), so the rollback also restores them: nothing of a proof survives it.
 * Sequences it does not own cannot be altered: they advance, as with any rolled back insert of
 * the application, and the proof still runs. The proofs themselves are in behaviour.ts.
 */
import type { Sql, TransactionSql } from '../db/connect.js'
import { query } from '../db/sql-files.js'
import { isPostgresError } from '../errors.js'
import type { PresenceProof } from '../schema/check.js'
import { PHASES } from '../schema/manifest.js'
import { Fixtures, ProofFailure } from './fixtures.js'

export interface Proof {
  name: string
  /** Tables whose id sequences the proof (or the triggers it fires) advances. */
  tables: string[]
  /** The phase it needs when that is not the newest phase of its tables (see phaseOf). */
  phase?: number
  run(tx: TransactionSql, f: Fixtures): Promise<void>
}

/** A proof's outcome: a presence check's (schema/check.ts), and what only a proof that runs has. */
export interface ProofResult extends PresenceProof {
  /** The proof could not run (a lock wait, a missing privilege, a read-only server): not ok, but nothing is known to be broken. */
  couldNotRun?: { sqlstate: string; message: string }
  /** Sequences this role does not own, advanced by the proof's rolled-back inserts. */
  advancedSequences?: string[]
}

/**
 * SQLSTATEs that say the proof could not do its work, not that a trigger is wrong: lock
 * timeout, statement timeout (query_canceled), deadlock, insufficient privilege, read-only
 * transaction.
 */
const COULD_NOT_RUN = new Set(['55P03', '57014', '40P01', '42501', '25006'])

/**
 * The phase a proof needs: its own `phase`, else the newest phase among its tables (each
 * phase's triggers sit on its own tables).
 */
export function phaseOf(proof: Proof): number {
  if (proof.phase !== undefined) return proof.phase
  return Math.max(
    ...proof.tables.map((t) => PHASES.find((p) => p.tables.includes(t))?.version ?? Infinity),
  )
}

class Rollback extends Error {}

/** Runs one proof in a transaction that is always rolled back. */
export async function runProof(
  sql: Sql,
  proof: Proof,
  timeouts: { lockMs: number; statementMs: number },
): Promise<ProofResult> {
  const started = performance.now()
  let failure: unknown
  const advanced: string[] = []
  try {
    await sql.begin(async (tx) => {
      await tx`select set_config('lock_timeout', ${`${timeouts.lockMs}ms`}, true)`
      await tx`select set_config('statement_timeout', ${`${timeouts.statementMs}ms`}, true)`
      advanced.push(...(await makeSequencesTransactional(tx, proof.tables)))
      try {
        await proof.run(tx, new Fixtures(tx))
      } catch (err) {
        failure = err
      }
      throw new Rollback()
    })
  } catch (err) {
    if (!(err instanceof Rollback)) failure = err
  }
  const ms = Math.round((performance.now() - started) * 10) / 10
  const base = { name: proof.name, ms, ...(advanced.length ? { advancedSequences: advanced } : {}) }
  if (failure === undefined) return { ...base, ok: true } satisfies ProofResult
  if (isPostgresError(failure) && COULD_NOT_RUN.has(failure.code)) {
    return {
      ...base,
      ok: false,
      error: `could not run: ${failure.message}`,
      couldNotRun: { sqlstate: failure.code, message: failure.message },
    } satisfies ProofResult
  }
  if (failure instanceof ProofFailure) {
    return {
      ...base,
      ok: false,
      error: failure.check,
      expected: failure.expected,
      actual: failure.actual,
    } satisfies ProofResult
  }
  const message = failure instanceof Error ? failure.message : String(failure)
  return { ...base, ok: false, error: message } satisfies ProofResult
}

/**
 * Rewrites the owned id sequences of `tables` so that nextval() in this transaction is rolled
 * back with it. Returns the sequences it could not rewrite (not owned by this role).
 */
async function makeSequencesTransactional(tx: TransactionSql, tables: string[]) {
  const sequences = await query<{ name: string; owned: boolean; start_value: string }>(
    tx,
    'verify/sequences',
    [tables],
  )
  for (const seq of sequences.filter((s) => s.owned)) {
    await tx.unsafe(`alter sequence ${seq.name} start with ${Number(seq.start_value)}`)
  }
  return sequences.filter((s) => !s.owned).map((s) => s.name)
}
