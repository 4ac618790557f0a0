/**
 * `vrss-db verify-triggers`: proves every trigger guarantee of docs/schema.md on any database, leaving
 * no trace — safe to run against production after a deploy, a restore or a manual fix.
 */
import type { Command } from 'commander'
import { commandAction } from '../lib/cli/command.js'
import type { Context } from '../lib/cli/context.js'
import { parseMigrationsTable } from '../lib/parse.js'
import type { Output } from '../lib/ui/output.js'
import { formatMs } from '../lib/ui/render.js'
import { runVerify, type VerifyOptions, type VerifyResult } from '../lib/verify/run.js'

export type { VerifyOptions, VerifyResult }

export async function run(options: VerifyOptions, ctx: Context): Promise<VerifyResult> {
  // strict: without its scratch search_path the races would run on the live tables.
  return runVerify(ctx, options, ({ max, session }) =>
    ctx.openConnection({ max, session, strict: true }),
  )
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
  for (const line of footnotes(result)) out.print(line)
  if (result.couldNotRun) out.error(result.couldNotRun.message, result.couldNotRun.hint)
}

/** The TAP comments after the proofs: cleanup, skipped phases, sequences, the summary. */
export function footnotes(result: VerifyResult): string[] {
  const lines = result.removedLeftovers.map(
    (schema) =>
      `# removed ${schema}, the scratch schema of an earlier interrupted --concurrency run`,
  )
  if (result.skippedPhases.length > 0) {
    lines.push(`# not applied, so not verified: phase(s) ${result.skippedPhases.join(', ')}`)
  }
  if (result.advancedSequences.length > 0) {
    lines.push(
      `# this role does not own ${result.advancedSequences.join(', ')}: the proofs' rolled-back inserts advanced them, as any rolled-back insert does`,
    )
  }
  lines.push(
    `# ${result.passed} passed, ${result.failed} failed${result.couldNotRun ? ', stopped: could not run' : ''} in ${formatMs(result.elapsedMs)} on ${result.target}`,
  )
  return lines
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
        needsSession: (options) =>
          options.concurrency
            ? {
                command: 'vrss-db verify-triggers --concurrency',
                because: "its scratch schema's owner lock is a session advisory lock",
                startupSettings:
                  "its proofs' connections must start with the scratch schema's search_path",
              }
            : undefined,
        // The proofs set tighter limits inside their own transactions; this bounds the rest
        // (presence checks, the scratch schema's copies and its drop).
        session: () => ({ lock_timeout: '5s', statement_timeout: '1min' }),
      }),
    )
}
