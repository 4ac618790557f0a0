/**
 * `vrss-db migrate`: applies the pending embedded phases in order, under an advisory lock so
 * that many deploy hosts can run it at once. `vrss-db migrate rollback --to N` runs down scripts.
 */
import { type Command, Option } from 'commander'
import { type CommandResult, commandAction } from '../lib/cli/command.js'
import type { Context } from '../lib/cli/context.js'
import type { Output } from '../lib/cli/output.js'
import { formatMs } from '../lib/cli/render.js'
import { guardTargetDatabase } from '../lib/cli/target-database.js'
import type { ReservedSql } from '../lib/db/connect.js'
import { withAdvisoryLock } from '../lib/db/sessions.js'
import { checkFailed } from '../lib/errors.js'
import {
  acceptChecksum,
  applyMigration,
  comparePhases,
  DEFAULT_INDEX_WAIT_MS,
  ensureBookkeeping,
  MIGRATION_LOCK,
  type PhaseStatus,
  readApplied,
} from '../lib/migrate/engine.js'
import type { Migration } from '../lib/migrate/files.js'
import { parseRunnerOptions } from '../lib/migrate/options.js'
import { parseDuration, parseInteger } from '../lib/parse.js'
import * as lint from './migrate-lint.js'
import * as rollback from './rollback.js'

export interface MigrateOptions {
  migrations: Migration[]
  /** Apply pending phases up to and including this version (all when undefined). */
  phase: number | undefined
  dryRun: boolean
  lockWaitMs: number
  lockTimeoutMs: number
  /** lock_timeout of CREATE INDEX CONCURRENTLY (it also waits for older transactions). */
  indexWaitMs: number
  acceptEdited: boolean
  /** The bookkeeping table (--migrations-table); schema_migrations when undefined. */
  migrationsTable?: string
  /** --yes: migrate even a template database. */
  yes?: boolean
}

export interface AppliedPhase {
  version: number
  name: string
  executionMs: number
}

export interface MigrateResult extends CommandResult {
  target: string
  dryRun: boolean
  applied: AppliedPhase[]
  /** Phases that were already applied (no-op). */
  upToDate: number[]
  /** Still pending after this run (above --phase). */
  pending: number[]
  /** Edited phases whose new checksum was accepted with --accept-edited. */
  accepted: number[]
  /** --dry-run: the SQL that would run, per phase. */
  plan?: { version: number; file: string; transactional: boolean; sql: string }[]
}

export async function run(options: MigrateOptions, ctx: Context): Promise<MigrateResult> {
  const base = { target: ctx.target.display, dryRun: options.dryRun }
  await guardTargetDatabase(ctx, {
    yes: Boolean(options.yes),
    dryRun: options.dryRun,
    creates: true,
  })
  if (options.dryRun) {
    const phases = comparePhases(
      options.migrations,
      await readApplied(ctx.sql, options.migrationsTable),
    )
    assertRunnable(phases, options.acceptEdited)
    const todo = selectPending(options, phases)
    return {
      ...base,
      applied: [],
      upToDate: versions(phases, 'applied'),
      pending: versions(phases, 'pending'),
      accepted: [],
      plan: todo.map((m) => ({
        version: m.version,
        file: m.file,
        transactional: m.transactional,
        sql: m.up,
      })),
    }
  }
  return withAdvisoryLock(
    ctx.sql,
    MIGRATION_LOCK,
    {
      timeoutMs: options.lockWaitMs,
      what: 'the migration lock',
      onWait: (holder) =>
        ctx.out.info(
          `Waiting for another migration to finish${holder ? ` (pid ${holder.pid}, ${holder.application_name || 'unknown application'})` : ''} ...`,
        ),
    },
    async (conn, session) => {
      await prepareSession(conn)
      await ensureBookkeeping(conn, options.migrationsTable)
      const phases = comparePhases(
        options.migrations,
        await readApplied(conn, options.migrationsTable),
      )
      assertRunnable(phases, options.acceptEdited)
      const accepted: number[] = []
      for (const phase of phases.filter((p) => p.state === 'edited')) {
        const migration = options.migrations.find((m) => m.version === phase.version) as Migration
        await acceptChecksum(conn, migration, options.migrationsTable)
        accepted.push(phase.version)
      }
      const applied: AppliedPhase[] = []
      for (const migration of selectPending(options, phases)) {
        await session.assertHeld()
        const progress = ctx.out.progress(`Applying ${migration.file}`)
        try {
          const ms = await applyMigration(conn, migration, {
            lockTimeoutMs: options.lockTimeoutMs,
            indexWaitMs: options.indexWaitMs,
            table: options.migrationsTable,
            onNote: (message) => ctx.out.info(message),
          })
          progress.succeed(
            `Applied ${migration.file}${ms === undefined ? ' (by another runner)' : ` in ${formatMs(ms)}`}`,
          )
          if (ms !== undefined)
            applied.push({ version: migration.version, name: migration.name, executionMs: ms })
        } catch (err) {
          progress.fail(
            migration.transactional
              ? `${migration.file} failed; nothing of it was applied`
              : `${migration.file} stopped half-way; the next migrate finishes it`,
          )
          throw err
        }
      }
      const after = comparePhases(
        options.migrations,
        await readApplied(conn, options.migrationsTable),
      )
      return {
        ...base,
        applied,
        upToDate: versions(phases, 'applied').concat(accepted),
        pending: versions(after, 'pending'),
        accepted,
      }
    },
  )
}

/**
 * The migration session's own settings. Waits are bounded by lock_timeout (per phase) and the
 * lock wait; the work itself must not be cut off by a statement_timeout set on the database or
 * role (an index build on a large table takes minutes). client_connection_check_interval makes
 * the server notice a runner that died (kill -9, lost network) during a long statement and stop
 * it, instead of holding its locks until the statement ends (PostgreSQL 14+).
 */
async function prepareSession(conn: ReservedSql): Promise<void> {
  await conn`select set_config('statement_timeout', '0', false)`
  await conn`
    select set_config('client_connection_check_interval', '2s', false)
    where current_setting('server_version_num')::int >= 140000`
}

function selectPending(options: MigrateOptions, phases: PhaseStatus[]): Migration[] {
  const pending = new Set(versions(phases, 'pending'))
  const upTo = options.phase ?? Number.POSITIVE_INFINITY
  return options.migrations.filter((m) => pending.has(m.version) && m.version <= upTo)
}

function versions(phases: PhaseStatus[], state: PhaseStatus['state']): number[] {
  return phases.filter((p) => p.state === state).map((p) => p.version)
}

/** Edited or unknown phases stop a migration (exit 3) unless explicitly accepted. */
function assertRunnable(phases: PhaseStatus[], acceptEdited: boolean): void {
  const unknown = phases.filter((p) => p.state === 'unknown')
  if (unknown.length > 0) {
    throw checkFailed(
      `The database has phase(s) ${unknown.map((p) => `${p.version} (${p.name})`).join(', ')} that this vrss-db does not know`,
      'The database was migrated by a newer vrss-db: upgrade this one before migrating.',
    )
  }
  const edited = phases.filter((p) => p.state === 'edited')
  if (edited.length > 0 && !acceptEdited) {
    throw checkFailed(
      `Applied phase(s) ${edited.map((p) => `${String(p.version).padStart(3, '0')}_${p.name}`).join(', ')} were edited after they were applied (checksum differs)`,
      'Edits to applied phases never run. Revert the edit and add a new phase instead, or pass --accept-edited to record the new checksum.',
    )
  }
}

export function render(result: MigrateResult, out: Output): void {
  if (result.plan) {
    if (result.plan.length === 0) out.print('-- Nothing to apply: the database is up to date.')
    for (const step of result.plan) {
      out.print(`-- ${step.file}${step.transactional ? ' (one transaction)' : ' (no transaction)'}`)
      out.print(step.sql.trimEnd())
      out.print()
    }
    return
  }
  if (result.accepted.length > 0)
    out.print(`Accepted the edited checksum of phase(s) ${result.accepted.join(', ')}.`)
  if (result.applied.length === 0) {
    out.print(`Nothing to apply: ${result.target} is up to date${pendingNote(result)}.`)
    return
  }
  const total = result.applied.reduce((sum, p) => sum + p.executionMs, 0)
  out.print(
    `Applied ${result.applied.length} phase(s) to ${result.target} in ${formatMs(total)}${pendingNote(result)}.`,
  )
}

function pendingNote(result: MigrateResult): string {
  return result.pending.length > 0 ? ` (still pending: ${result.pending.join(', ')})` : ''
}

export function register(program: Command): Command {
  const migrate = program
    .command('migrate')
    .option('--phase <n>', 'apply pending phases up to and including phase N')
    .option('--dry-run', 'print the SQL that would run and change nothing')
    .option(
      '--lock-wait <duration>',
      "how long to wait for another runner's migration lock (default 60s; 0: try once)",
    )
    .option(
      '--lock-timeout <duration>',
      'lock_timeout of each phase: give up rather than queue behind a long transaction (default 10s)',
    )
    .option(
      '--index-wait <duration>',
      'lock_timeout of a CREATE INDEX CONCURRENTLY, which also waits for older transactions (default 10m)',
    )
    .option(
      '--accept-edited',
      'continue although applied phase files changed, recording the new checksums',
    )
    .option('--yes', 'migrate even a template database (template1), which new databases copy')
    .addOption(new Option('--migrations-dir <dir>', 'read migrations from this folder').hideHelp())
    .addHelpText(
      'after',
      `
Each phase runs in one transaction together with its schema_migrations row: a failure leaves
nothing of it behind. Safe to run from several deploy hosts at once (advisory lock).

Examples:
  $ vrss-db migrate                 # all pending phases
  $ vrss-db migrate --phase 2       # phases 1 and 2 on an empty database
  $ vrss-db migrate --dry-run       # show the SQL, change nothing
  $ vrss-db migrate rollback --to 2 --yes`,
    )
    .action(
      commandAction<MigrateOptions, MigrateResult>({
        parse: (raw) => parseMigrateOptions(raw),
        run,
        render,
        writes: (options) =>
          options.dryRun
            ? undefined
            : {
                command: 'vrss-db migrate',
                alternative: '`vrss-db migrate --dry-run` and `vrss-db status` only read.',
              },
      }),
    )
  rollback
    .register(migrate)
    .description('run the down scripts of the phases above --to, newest first (destructive)')
  lint.register(migrate)
  return migrate
}

export function parseMigrateOptions(raw: Record<string, unknown>): MigrateOptions {
  const runner = parseRunnerOptions(raw)
  return {
    ...runner,
    phase:
      raw.phase === undefined
        ? undefined
        : parseInteger('--phase', raw.phase, { min: 1, max: runner.migrations.length }),
    dryRun: Boolean(raw.dryRun),
    indexWaitMs:
      raw.indexWait === undefined
        ? DEFAULT_INDEX_WAIT_MS
        : parseDuration('--index-wait', raw.indexWait),
    acceptEdited: Boolean(raw.acceptEdited),
    yes: Boolean(raw.yes),
  }
}
