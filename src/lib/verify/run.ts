/**
 * The verify-triggers core: the proofs of the applied phases (presence, behaviour and, when
 * asked, concurrency), leaving no trace. Pending phases are skipped, not failed; phase 1 is the
 * least it needs.
 */
import type { CommandResult, CoreContext } from '../core.js'
import type { Sql } from '../db/connect.js'
import { ExitCode } from '../errors.js'
import { requireMigrated } from '../preflight/checks.js'
import { checkPresence } from '../schema/check.js'
import { PROOFS } from './behaviour.js'
import { type CouldNotRun, explainCouldNotRun } from './blocked.js'
import { type OpenConnection, runConcurrencyProofs } from './concurrency.js'
import { type ProofResult, phaseOf, runProof } from './proofs.js'
import { removeLeftovers } from './scratch-schema.js'

export interface VerifyOptions {
  concurrency: boolean
  /** The bookkeeping table (--migrations-table); schema_migrations when undefined. */
  migrationsTable?: string
}

export type ProofKind = 'presence' | 'behaviour' | 'concurrency'
export type KindedProof = ProofResult & { kind: ProofKind }

export interface VerifyResult extends CommandResult {
  target: string
  proofs: KindedProof[]
  passed: number
  /** Proofs that ran and found a guarantee broken. */
  failed: number
  /** Why the proofs stopped without a verdict (exit 1 unless one failed): nothing is known to be broken. */
  couldNotRun?: CouldNotRun
  /** Pending phases ("5 feed"): their proofs were not run. */
  skippedPhases: string[]
  /** Sequences this role does not own, advanced by the proofs' rolled-back inserts. */
  advancedSequences: string[]
  elapsedMs: number
  /** Scratch schemas of earlier, interrupted --concurrency runs that this run dropped. */
  removedLeftovers: string[]
}

/** Short enough never to hold up the application behind a proof. */
const TIMEOUTS = { lockMs: 1000, statementMs: 10_000 }

/** The proofs need the phase 1 tables at least; the later phases' proofs run when applied. */
const REQUIRED_PHASES = [1]
/** The races need the tables of phases 1 and 2. */
const CONCURRENCY_PHASE = 2

export async function runVerify(
  ctx: CoreContext,
  options: VerifyOptions,
  openConnection: OpenConnection,
): Promise<VerifyResult> {
  const started = performance.now()
  const phases = await requireMigrated(ctx, {
    action: 'verify',
    migrationsTable: options.migrationsTable,
    phases: REQUIRED_PHASES,
  })
  const pending = phases.filter((p) => p.state === 'pending')
  const applied = new Set(phases.filter((p) => p.state !== 'pending').map((p) => p.version))
  // A run killed with -9 could not drop its scratch schema: do it now (only abandoned ones).
  const removedLeftovers = await removeLeftovers(ctx.sql)
  const proofs: KindedProof[] = []
  for (const result of await checkPresence(ctx.sql, applied))
    proofs.push({ ...result, kind: 'presence' })
  const behaviour = await runBehaviourProofs(ctx.sql, applied)
  proofs.push(...behaviour.proofs)
  // The races need the phase 1–2 tables, and a server that is not holding the proofs up.
  if (options.concurrency && applied.has(CONCURRENCY_PHASE) && !behaviour.couldNotRun) {
    for (const result of await runConcurrencyProofs(ctx.sql, openConnection)) {
      proofs.push({ ...result, kind: 'concurrency' })
    }
  }
  return {
    ...verdict(proofs, behaviour.couldNotRun),
    target: ctx.target.display,
    proofs,
    ...tally(proofs),
    ...(behaviour.couldNotRun ? { couldNotRun: behaviour.couldNotRun } : {}),
    skippedPhases: pending.map((p) => `${p.version} ${p.name}`),
    advancedSequences: advancedSequencesOf(proofs),
    elapsedMs: Math.round(performance.now() - started),
    removedLeftovers,
  }
}

/**
 * The behaviour proofs of the applied phases. A proof that could not run (a lock wait: tried
 * once more) stops the rest: they would wait behind the same application transaction, or
 * lack the same privilege.
 */
async function runBehaviourProofs(sql: Sql, applied: Set<number>) {
  const proofs: KindedProof[] = []
  for (const proof of PROOFS.filter((p) => applied.has(phaseOf(p)))) {
    let result = await runProof(sql, proof, TIMEOUTS)
    if (result.couldNotRun?.sqlstate === '55P03') result = await runProof(sql, proof, TIMEOUTS)
    proofs.push({ ...result, kind: 'behaviour' })
    if (result.couldNotRun) {
      return { proofs, couldNotRun: await explainCouldNotRun(sql, proof, result, TIMEOUTS) }
    }
  }
  return { proofs, couldNotRun: undefined }
}

/** Exit 3 when a proof found a guarantee broken, else 1 when the proofs stopped, else 0. */
export function verdict(proofs: ProofResult[], couldNotRun?: CouldNotRun): CommandResult {
  const { failed } = tally(proofs)
  return {
    exitCode: failed > 0 ? ExitCode.checkFailed : couldNotRun ? ExitCode.runtime : ExitCode.ok,
  }
}

/** A proof that could not run is neither passed nor failed: nothing is known either way. */
export function tally(proofs: ProofResult[]): { passed: number; failed: number } {
  const failed = proofs.filter((p) => !p.ok && !p.couldNotRun).length
  const blocked = proofs.filter((p) => p.couldNotRun).length
  return { passed: proofs.length - failed - blocked, failed }
}

export function advancedSequencesOf(proofs: ProofResult[]): string[] {
  return [...new Set(proofs.flatMap((p) => p.advancedSequences ?? []))].sort()
}
