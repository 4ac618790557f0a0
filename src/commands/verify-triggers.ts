/**
 * `vrss-db verify-triggers`: proves every trigger guarantee of docs/schema.md on any database, leaving
 * no trace — safe to run against production after a deploy, a restore or a manual fix.
 */
import type { Command } from 'commander'
import { type CommandResult, commandAction } from '../lib/cli/command.js'
import type { Context } from '../lib/cli/context.js'
import type { Output } from '../lib/cli/output.js'
import { formatMs } from '../lib/cli/render.js'
import { ExitCode, VrssError } from '../lib/errors.js'
import { comparePhases, readApplied } from '../lib/migrate/engine.js'
import { loadMigrations } from '../lib/migrate/files.js'
import { parseMigrationsTable } from '../lib/parse.js'
import { checkPresence } from '../lib/schema/check.js'
import { type CouldNotRun, explainCouldNotRun } from '../lib/verify/blocked.js'
import { removeLeftovers, runConcurrencyProofs } from '../lib/verify/concurrency.js'
import { PROOFS, type ProofResult, phaseOf, runProof } from '../lib/verify/proofs.js'

export interface VerifyOptions {
  concurrency: boolean
  /** The bookkeeping table (--migrations-table); schema_migrations when undefined. */
  migrationsTable?: string
}

export interface VerifyResult extends CommandResult {
  target: string
  proofs: (ProofResult & { kind: 'presence' | 'behaviour' | 'concurrency' })[]
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

export async function run(options: VerifyOptions, ctx: Context): Promise<VerifyResult> {
  const started = performance.now()
  const phases = comparePhases(
    loadMigrations(),
    await readApplied(ctx.sql, options.migrationsTable),
  )
  const pending = phases.filter((p) => p.state === 'pending')
  const applied = new Set(phases.filter((p) => p.state !== 'pending').map((p) => p.version))
  if (!applied.has(1)) {
    throw new VrssError(
      `Cannot verify: phase(s) ${pending.map((p) => `${p.version} ${p.name}`).join(', ')} are not applied`,
      { hint: 'Run `vrss-db migrate` first.', code: 'NOT_MIGRATED' },
    )
  }
  // A run killed with -9 could not drop its scratch schema: do it now (only abandoned ones).
  const removedLeftovers = await removeLeftovers(ctx.sql)
  const proofs: VerifyResult['proofs'] = []
  for (const result of await checkPresence(ctx.sql, applied))
    proofs.push({ ...result, kind: 'presence' })
  const behaviour = await runBehaviourProofs(ctx, applied)
  proofs.push(...behaviour.proofs)
  // The races need the phase 1–2 tables, and a server that is not holding the proofs up.
  if (options.concurrency && applied.has(2) && !behaviour.couldNotRun) {
    for (const result of await runConcurrencyProofs(ctx.sql, ctx.target.spec)) {
      proofs.push({ ...result, kind: 'concurrency' })
    }
  }
  const failed = proofs.filter((p) => !p.ok && !p.couldNotRun).length
  const blocked = proofs.filter((p) => p.couldNotRun).length
  return {
    exitCode:
      failed > 0 ? ExitCode.checkFailed : behaviour.couldNotRun ? ExitCode.runtime : ExitCode.ok,
    target: ctx.target.display,
    proofs,
    passed: proofs.length - failed - blocked,
    failed,
    ...(behaviour.couldNotRun ? { couldNotRun: behaviour.couldNotRun } : {}),
    skippedPhases: pending.map((p) => `${p.version} ${p.name}`),
    advancedSequences: [...new Set(proofs.flatMap((p) => p.advancedSequences ?? []))].sort(),
    elapsedMs: Math.round(performance.now() - started),
    removedLeftovers,
  }
}

/**
 * The behaviour proofs of the applied phases. A proof that could not run (a lock wait: tried
 * once more) stops the rest: they would wait behind the same application transaction, or
 * lack the same privilege.
 */
async function runBehaviourProofs(ctx: Context, applied: Set<number>) {
  const proofs: VerifyResult['proofs'] = []
  for (const proof of PROOFS.filter((p) => applied.has(phaseOf(p)))) {
    let result = await runProof(ctx.sql, proof, TIMEOUTS)
    if (result.couldNotRun?.sqlstate === '55P03') result = await runProof(ctx.sql, proof, TIMEOUTS)
    proofs.push({ ...result, kind: 'behaviour' })
    if (result.couldNotRun) {
      return { proofs, couldNotRun: await explainCouldNotRun(ctx.sql, proof, result, TIMEOUTS) }
    }
  }
  return { proofs, couldNotRun: undefined }
}

/** TAP-like: one line per proof, details under a failure, a summary line. */
export function render(result: VerifyResult, out: Output): void {
  const c = out.color
  out.print(`TAP version 14`)
  out.print(`1..${result.proofs.length}`)
  // Every presence proof comes from one catalog query: its time is said once, not per line.
  const presence = result.proofs.filter((p) => p.kind === 'presence')
  if (presence.length > 0) {
    out.print(
      `# presence: ${presence.length} triggers read from the catalog in one query (${formatMs(presence[0]?.ms ?? 0)})`,
    )
  }
  result.proofs.forEach((proof, i) => {
    // TAP's SKIP: a proof that could not run is no verdict on the trigger.
    const status = proof.ok || proof.couldNotRun ? c.green('ok') : c.red('not ok')
    const skip = proof.couldNotRun ? ` # SKIP ${proof.error}` : ''
    const time = proof.kind === 'presence' ? '' : ` ${c.dim(`(${formatMs(proof.ms)})`)}`
    out.print(`${status} ${i + 1} - [${proof.kind}] ${proof.name}${skip}${time}`)
    if (!proof.ok && !proof.couldNotRun) {
      out.print(`  # ${proof.error}`)
      if (proof.expected !== undefined)
        out.print(`  #   expected: ${JSON.stringify(proof.expected)}`)
      if (proof.actual !== undefined) out.print(`  #   actual:   ${JSON.stringify(proof.actual)}`)
    }
  })
  for (const schema of result.removedLeftovers) {
    out.print(`# removed ${schema}, the scratch schema of an earlier interrupted --concurrency run`)
  }
  if (result.skippedPhases.length > 0) {
    out.print(`# not applied, so not verified: phase(s) ${result.skippedPhases.join(', ')}`)
  }
  if (result.advancedSequences.length > 0) {
    out.print(
      `# this role does not own ${result.advancedSequences.join(', ')}: the proofs' rolled-back inserts advanced them, as any rolled-back insert does`,
    )
  }
  out.print(
    `# ${result.passed} passed, ${result.failed} failed${result.couldNotRun ? ', stopped: could not run' : ''} in ${formatMs(result.elapsedMs)} on ${result.target}`,
  )
  if (result.couldNotRun) out.error(result.couldNotRun.message, result.couldNotRun.hint)
}

export function register(program: Command): Command {
  return program
    .command('verify-triggers')
    .option(
      '--concurrency',
      'also race many connections (mutual follows, uploads at the quota, like storms) in a scratch schema',
    )
    .addHelpText(
      'after',
      `
Every behavioural proof runs in a transaction that is always rolled back, with lock_timeout 1s
and statement_timeout 10s. Exit 0: all pass · 3: a proof failed (a guarantee is broken) ·
1: could not run (a lock held by the application, a missing privilege, a read-only server).

Examples:
  $ vrss-db verify-triggers
  $ vrss-db verify-triggers --concurrency --json`,
    )
    .action(
      commandAction<VerifyOptions, VerifyResult>({
        parse: (raw) => ({
          concurrency: Boolean(raw.concurrency),
          migrationsTable: parseMigrationsTable(raw.migrationsTable),
        }),
        run,
        render,
        maxConnections: 4,
        writes: () => ({
          command: 'vrss-db verify-triggers',
          alternative: 'Its proofs write (in transactions that are always rolled back).',
        }),
        // The proofs set tighter limits inside their own transactions; this bounds the rest
        // (presence checks, the scratch schema's copies and its drop).
        session: () => ({ lock_timeout: '5s', statement_timeout: '1min' }),
      }),
    )
}
