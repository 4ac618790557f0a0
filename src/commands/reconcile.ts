/**
 * `vrss-db reconcile-counters` (alias `reconcile`): the nightly repair of every denormalized
 * value of docs/schema.md, correct while the application keeps writing; one run at a time.
 */
import type { Command } from 'commander'
import { type CommandResult, commandAction } from '../lib/cli/command.js'
import type { Context } from '../lib/cli/context.js'
import type { Output } from '../lib/cli/output.js'
import { formatMs, renderTable } from '../lib/cli/render.js'
import { withAdvisoryLock } from '../lib/db/sessions.js'
import { query } from '../lib/db/sql-files.js'
import { ExitCode, isPostgresError, usageError, VrssError } from '../lib/errors.js'
import { comparePhases, readApplied } from '../lib/migrate/engine.js'
import { loadMigrations } from '../lib/migrate/files.js'
import { parseDuration, parseInteger, parseMigrationsTable } from '../lib/parse.js'
import {
  COUNTERS,
  type Counter,
  MAX_ROWS_PER_TRANSACTION,
  type ReconcileStats,
  reconcile,
} from '../lib/reconcile/engine.js'

export type ReconcileMode = 'repair' | 'dry-run' | 'check'

export interface ReconcileCommandOptions {
  mode: ReconcileMode
  only: Counter[]
  batchSize: number
  lockTimeoutMs: number
  /** The bookkeeping table (--migrations-table); schema_migrations when undefined. */
  migrationsTable?: string
}

export interface ReconcileResult extends CommandResult, ReconcileStats {
  target: string
  mode: ReconcileMode
  totalDrifted: number
  elapsedMs: number
}

export const RECONCILE_LOCK = 'vrss-db:reconcile'
export const DEFAULT_BATCH_SIZE = 50_000

export async function run(
  options: ReconcileCommandOptions,
  ctx: Context,
): Promise<ReconcileResult> {
  const started = performance.now()
  const pending = comparePhases(
    loadMigrations(),
    await readApplied(ctx.sql, options.migrationsTable),
  ).filter((p) => p.state === 'pending')
  if (pending.some((p) => p.version <= 2)) {
    throw new VrssError(
      'Cannot reconcile: the counters live in phases 1 and 2, which are not applied',
      {
        hint: 'Run `vrss-db migrate` first.',
        code: 'NOT_MIGRATED',
      },
    )
  }
  if (options.mode === 'repair') await assertCanRepair(ctx, options.only)
  // One run at a time: an overlapping cron run stops at once instead of doubling the work.
  const stats = await withAdvisoryLock(
    ctx.sql,
    RECONCILE_LOCK,
    { timeoutMs: 0, what: 'Another reconcile run' },
    async () => {
      const progress = ctx.out.progress(
        options.mode === 'repair' ? 'Reconciling' : 'Checking for drift',
      )
      try {
        const result = await reconcile(ctx.sql, {
          only: options.only,
          write: options.mode === 'repair',
          batchSize: options.batchSize,
          lockTimeoutMs: options.lockTimeoutMs,
          onProgress: (message) =>
            progress.update(`${options.mode === 'repair' ? 'Reconciling' : 'Checking'} ${message}`),
        })
        progress.succeed(options.mode === 'repair' ? 'Reconciled' : 'Checked')
        return result
      } catch (err) {
        progress.fail()
        if (!isPostgresError(err) || err.code !== '42501') throw err
        throw options.mode === 'repair' ? cannotRepair(err.message) : cannotCheck(err.message)
      }
    },
  )
  const totalDrifted =
    stats.counters.reduce((sum, c) => sum + c.drifted, 0) + stats.friendships.missing
  return {
    exitCode: options.mode === 'check' && totalDrifted > 0 ? ExitCode.checkFailed : ExitCode.ok,
    target: ctx.target.display,
    mode: options.mode,
    ...stats,
    totalDrifted,
    elapsedMs: Math.round(performance.now() - started),
  }
}

/** What each counter's repair writes: the row locks (FOR UPDATE) and writes need UPDATE. */
const REPAIR_PRIVILEGES: Record<Counter, { table: string; privilege: string }[]> = {
  likes: [{ table: 'posts', privilege: 'UPDATE' }],
  comments: [{ table: 'posts', privilege: 'UPDATE' }],
  reposts: [{ table: 'posts', privilege: 'UPDATE' }],
  replies: [{ table: 'comments', privilege: 'UPDATE' }],
  storage: [
    { table: 'storage_usage', privilege: 'UPDATE' },
    { table: 'storage_usage', privilege: 'INSERT' },
  ],
  friendships: [],
}

/**
 * Before any work: a role that can read but not write (a reporting role) would otherwise find
 * the drift and then fail on its first repair with a raw "permission denied".
 */
async function assertCanRepair(ctx: Context, only: Counter[]): Promise<void> {
  const needed = only.flatMap((counter) => REPAIR_PRIVILEGES[counter])
  const missing = await query<{ table: string; privilege: string }>(
    ctx.sql,
    'reconcile/missing-privileges',
    [needed.map((n) => n.table), needed.map((n) => n.privilege)],
  )
  if (missing.length === 0) return
  const [role] = await ctx.sql`select current_user as name`
  const list = missing.map((m) => `${m.privilege} on ${m.table}`)
  throw cannotRepair(`the role ${role?.name} lacks ${[...new Set(list)].join(', ')}`)
}

function cannotCheck(why: string): VrssError {
  return new VrssError(`Cannot check the counters: ${why}`, {
    hint: 'Checking reads the VRSS tables: run reconcile as a role with SELECT on them.',
    code: 'INSUFFICIENT_PRIVILEGE',
  })
}

function cannotRepair(why: string): VrssError {
  return new VrssError(`Cannot repair the counters: ${why}`, {
    hint: 'Run reconcile as a role with these privileges, or use --dry-run (or --check) to report the drift without repairing it.',
    code: 'INSUFFICIENT_PRIVILEGE',
  })
}

export function render(result: ReconcileResult, out: Output): void {
  out.print(out.terminal ? counterTable(result, out) : counterLines(result))
  const f = result.friendships
  if (f.missing > 0) {
    out.print(
      out.color.yellow(
        `${f.missing} mutual follow(s) lack a friendships row (reported, not changed): ${f.examples.map((e) => `${e.user_id_1}↔${e.user_id_2}`).join(', ')}`,
      ),
    )
  }
  const verb = result.mode === 'repair' ? 'repaired' : 'found'
  const work =
    result.mode === 'repair'
      ? `${result.batches} ranges, ${result.transactions} repair transactions, longest ${formatMs(result.maxBatchMs)}, ${result.retries} retries`
      : `${result.batches} ranges, read-only`
  const rows = result.counters.reduce((sum, c) => sum + c.drifted, 0)
  const reported = f.missing > 0 ? `, ${f.missing} missing friendship(s) reported` : ''
  out.print(
    `${result.mode}: ${rows} drifted row(s) ${verb}${reported} on ${result.target} in ${formatMs(result.elapsedMs)} (${work}).`,
  )
}

function counterTable(result: ReconcileResult, out: Output): string {
  return renderTable(
    [
      'counter',
      'checked',
      'drifted',
      'total |delta|',
      result.mode === 'repair' ? 'repaired' : 'would repair',
      'examples (id: expected/stored)',
    ],
    result.counters.map((c) => [
      c.target,
      c.checked.toLocaleString('en-US'),
      c.drifted === 0 ? '0' : out.color.yellow(c.drifted.toLocaleString('en-US')),
      c.totalDelta.toLocaleString('en-US'),
      (result.mode === 'repair' ? c.repaired : c.drifted).toLocaleString('en-US'),
      c.examples.map((e) => `${e.id}: ${e.expected}/${e.stored}`).join(', '),
    ]),
    out,
  )
}

/** Off a terminal (cron logs): one logfmt line per counter, easy to grep and to parse. */
function counterLines(result: ReconcileResult): string {
  return result.counters
    .map((c) => {
      const examples = c.examples.map((e) => `${e.id}:${e.expected}/${e.stored}`).join(',')
      return [
        `counter=${c.counter}`,
        `target=${JSON.stringify(c.target)}`,
        `checked=${c.checked}`,
        `drifted=${c.drifted}`,
        `delta=${c.totalDelta}`,
        `repaired=${c.repaired}`,
        ...(examples ? [`examples=${examples}`] : []),
      ].join(' ')
    })
    .join('\n')
}

/**
 * lock_timeout: a repair gives up a row lock after --lock-timeout (and retries the batch); the
 * read-only modes wait 5s at most behind another session's lock. statement_timeout: a range
 * check at MVP scale takes about a second, so 5 minutes only stops a runaway one.
 */
export function reconcileSession(options: ReconcileCommandOptions): Record<string, string> {
  const timeouts = { statement_timeout: '5min' }
  return options.mode === 'repair'
    ? { ...timeouts, lock_timeout: asSetting(options.lockTimeoutMs) }
    : { ...timeouts, lock_timeout: '5s', default_transaction_read_only: 'on' }
}

/** 2000 → "2s" (the form of the error message), 1500 → "1500ms". */
function asSetting(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`
}

export function parseReconcileOptions(raw: Record<string, unknown>): ReconcileCommandOptions {
  if (raw.dryRun && raw.check) throw usageError('--dry-run and --check cannot be used together')
  const only = raw.only === undefined ? [...COUNTERS] : parseOnly(String(raw.only))
  return {
    mode: raw.check ? 'check' : raw.dryRun ? 'dry-run' : 'repair',
    only,
    batchSize:
      raw.batchSize === undefined
        ? DEFAULT_BATCH_SIZE
        : parseInteger('--batch-size', raw.batchSize, { min: 1, max: 1_000_000 }),
    lockTimeoutMs:
      raw.lockTimeout === undefined ? 2000 : parseDuration('--lock-timeout', raw.lockTimeout),
    migrationsTable: parseMigrationsTable(raw.migrationsTable),
  }
}

function parseOnly(text: string): Counter[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  const unknown = names.filter((n) => !(COUNTERS as readonly string[]).includes(n))
  if (names.length === 0 || unknown.length > 0) {
    throw usageError(
      `--only: unknown counter ${unknown.map((u) => `"${u}"`).join(', ') || '(none given)'}`,
      `Use a comma-separated list of: ${COUNTERS.join(', ')}.`,
    )
  }
  return names as Counter[]
}

export function register(program: Command): Command {
  return program
    .command('reconcile-counters')
    .option('--dry-run', 'report drift, change nothing (exit 0)')
    .option('--check', 'report drift, change nothing, exit 3 if any (for alerting)')
    .option('--only <counters>', `comma-separated subset of: ${COUNTERS.join(', ')}`)
    .option(
      '--batch-size <n>',
      `ids per range checked by one query (default ${DEFAULT_BATCH_SIZE})`,
    )
    .option(
      '--lock-timeout <duration>',
      'give up a batch lock after this long, then retry it (default 2s)',
    )
    .addHelpText(
      'after',
      `
Each id range is checked by one read-only query. Only the rows found drifted are
then locked, recounted with the triggers' definitions and rewritten, in short
transactions of at most ${MAX_ROWS_PER_TRANSACTION} rows: a like committed meanwhile is never
overwritten. A second run while one is active exits at once (exit 1).

Examples:
  $ vrss-db reconcile                       # repair (exit 0)
  $ vrss-db reconcile --check               # exit 3 when anything drifted
  $ vrss-db reconcile --dry-run --only likes,storage --json`,
    )
    .action(
      commandAction<ReconcileCommandOptions, ReconcileResult>({
        parse: (raw) => parseReconcileOptions(raw),
        run,
        render,
        maxConnections: 3,
        session: reconcileSession,
        // Friendships are only ever reported: a run for them alone writes nothing.
        writes: (options) =>
          options.mode === 'repair' && options.only.some((counter) => counter !== 'friendships')
            ? {
                command: 'vrss-db reconcile',
                alternative: '`--dry-run` and `--check` report drift without repairing it.',
              }
            : undefined,
      }),
    )
}
