/**
 * `vrss-db verify-triggers`: proves every trigger guarantee of SPEC §4 on any database, leaving
 * no trace — safe to run against production after a deploy, a restore or a manual fix.
 */
import type { Command } from 'commander'
import { type CommandResult, commandAction } from '../lib/command.js'
import type { Context } from '../lib/context.js'
import { ExitCode, VrssError } from '../lib/errors.js'
import { loadMigrations } from '../lib/migrations.js'
import { comparePhases, readApplied } from '../lib/migrator.js'
import type { Output } from '../lib/output.js'
import { parseMigrationsTable } from '../lib/parse.js'
import { formatMs } from '../lib/render.js'
import { removeLeftovers, runConcurrencyProofs } from '../lib/verify/concurrency.js'
import { checkPresence } from '../lib/verify/presence.js'
import { PROOFS, type ProofResult, runProof } from '../lib/verify/proofs.js'

export interface VerifyOptions {
  concurrency: boolean
  /** The bookkeeping table (--migrations-table); schema_migrations when undefined. */
  migrationsTable?: string
}

export interface VerifyResult extends CommandResult {
  target: string
  proofs: (ProofResult & { kind: 'presence' | 'behaviour' | 'concurrency' })[]
  passed: number
  failed: number
  elapsedMs: number
  /** Scratch schemas of earlier, interrupted --concurrency runs that this run dropped. */
  removedLeftovers: string[]
}

/** Short enough never to hold up the application behind a proof. */
const TIMEOUTS = { lockMs: 1000, statementMs: 10_000 }

export async function run(options: VerifyOptions, ctx: Context): Promise<VerifyResult> {
  const started = performance.now()
  const pending = comparePhases(
    loadMigrations(),
    await readApplied(ctx.sql, options.migrationsTable),
  ).filter((p) => p.state === 'pending')
  if (pending.length > 0) {
    throw new VrssError(
      `Cannot verify: phase(s) ${pending.map((p) => `${p.version} ${p.name}`).join(', ')} are not applied`,
      { hint: 'Run `vrss-db migrate` first.', code: 'NOT_MIGRATED' },
    )
  }
  // A run killed with -9 could not drop its scratch schema: do it now (only abandoned ones).
  const removedLeftovers = await removeLeftovers(ctx.sql)
  const proofs: VerifyResult['proofs'] = []
  for (const result of await checkPresence(ctx.sql)) proofs.push({ ...result, kind: 'presence' })
  for (const proof of PROOFS)
    proofs.push({ ...(await runProof(ctx.sql, proof, TIMEOUTS)), kind: 'behaviour' })
  if (options.concurrency) {
    for (const result of await runConcurrencyProofs(ctx.sql, ctx.target.spec)) {
      proofs.push({ ...result, kind: 'concurrency' })
    }
  }
  const failed = proofs.filter((p) => !p.ok).length
  return {
    exitCode: failed > 0 ? ExitCode.checkFailed : ExitCode.ok,
    target: ctx.target.display,
    proofs,
    passed: proofs.length - failed,
    failed,
    elapsedMs: Math.round(performance.now() - started),
    removedLeftovers,
  }
}

/** TAP-like: one line per proof, details under a failure, a summary line. */
export function render(result: VerifyResult, out: Output): void {
  const c = out.color
  out.print(`TAP version 14`)
  out.print(`1..${result.proofs.length}`)
  result.proofs.forEach((proof, i) => {
    const status = proof.ok ? c.green('ok') : c.red('not ok')
    out.print(
      `${status} ${i + 1} - [${proof.kind}] ${proof.name} ${c.dim(`(${formatMs(proof.ms)})`)}`,
    )
    if (!proof.ok) {
      out.print(`  # ${proof.error}`)
      if (proof.expected !== undefined)
        out.print(`  #   expected: ${JSON.stringify(proof.expected)}`)
      if (proof.actual !== undefined) out.print(`  #   actual:   ${JSON.stringify(proof.actual)}`)
    }
  })
  for (const schema of result.removedLeftovers) {
    out.print(`# removed ${schema}, the scratch schema of an earlier interrupted --concurrency run`)
  }
  out.print(
    `# ${result.passed} passed, ${result.failed} failed in ${formatMs(result.elapsedMs)} on ${result.target}`,
  )
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
and statement_timeout 10s. Exit 0: all pass · 3: a proof failed · 1: could not run.

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
        // The proofs set tighter limits inside their own transactions; this bounds the rest
        // (presence checks, the scratch schema's copies and its drop).
        session: () => ({ lock_timeout: '5s', statement_timeout: '1min' }),
      }),
    )
}
