/**
 * `vrss-db seed`: the reference tiers always (idempotently), then realistic, deterministic fake
 * data for `--users N` (the core is src/lib/seed/seed.ts).
 */
import type { Command } from 'commander'
import { type CommandResult, commandAction } from '../lib/cli/command.js'
import { confirmDestructive } from '../lib/cli/confirm.js'
import type { Context } from '../lib/cli/context.js'
import { usageError } from '../lib/errors.js'
import { parseInteger, parseMigrationsTable } from '../lib/parse.js'
import { requireMigrated } from '../lib/preflight/checks.js'
import { guardTargetDatabase } from '../lib/preflight/target-database.js'
import { showProgress } from '../lib/seed/report.js'
import { type SeedCoreOptions, type SeedOutcome, seed } from '../lib/seed/seed.js'
import type { Output } from '../lib/ui/output.js'
import { formatMs, renderTable } from '../lib/ui/render.js'

export const DEFAULT_SEED = 42
export const DEFAULT_USERS = 20
/** Above this many users, --yes is required (it takes minutes and gigabytes). */
export const LARGE_SEED_USERS = 100_000

export interface SeedOptions extends SeedCoreOptions {
  yes: boolean
  /** The bookkeeping table (--migrations-table); schema_migrations when undefined. */
  migrationsTable?: string
}

/** What `seed` prints and returns as JSON: the core's outcome. */
export type SeedResult = SeedOutcome & CommandResult

/** The target must be one to seed (not a template without --yes) and migrated; then the core. */
export async function run(options: SeedOptions, ctx: Context): Promise<SeedResult> {
  await guardTargetDatabase(ctx, { yes: options.yes })
  await requireMigrated(ctx, { action: 'seed', migrationsTable: options.migrationsTable })
  return seed(ctx, options, showProgress(ctx.out), (action) =>
    confirmDestructive(ctx, action, options.yes),
  )
}

export function render(result: SeedResult, out: Output): void {
  out.print(
    renderTable(
      ['table', 'rows'],
      result.tables.map((t) => [t.table, t.rows.toLocaleString('en-US')]),
      out,
    ),
  )
  const driftRows = Object.values(result.drift).reduce((a, b) => a + Number(b), 0)
  out.print(
    `Seeded ${result.totalRows.toLocaleString('en-US')} rows for ${result.users.toLocaleString('en-US')} users into ${result.target} in ${formatMs(result.elapsedMs)} (${result.rowsPerSecond.toLocaleString('en-US')} rows/s), seed ${result.seed}.`,
  )
  const t = result.timings
  out.print(
    `Time: generate ${formatMs(t.generateMs)}, load ${formatMs(t.loadMs)} (${t.strategy}), vacuum+analyze ${formatMs(t.analyzeMs)}, verify ${formatMs(t.verifyMs)}${result.timelines ? `, feed timelines ${formatMs(t.timelinesMs)}` : ''}.`,
  )
  if (result.timelines && (result.timelines.ready > 0 || result.timelines.waiting > 0)) {
    const tl = result.timelines
    out.print(
      `Feed timelines: ${tl.ready} reader(s) of 500+ accounts have one${tl.waiting > 0 ? `; ${tl.waiting} wait behind open transactions (the next reconcile fills them)` : ''}.`,
    )
  }
  out.print(
    driftRows === 0
      ? 'Counters and storage totals: exact (0 rows drift).'
      : out.color.red(`Counters drift on ${driftRows} rows: ${JSON.stringify(result.drift)}`),
  )
}

export function parseSeedOptions(raw: Record<string, unknown>): SeedOptions {
  const users =
    raw.users === undefined ? DEFAULT_USERS : parseInteger('--users', raw.users, { min: 1 })
  const yes = Boolean(raw.yes)
  if (users > LARGE_SEED_USERS && !yes) {
    throw usageError(
      `--users ${users} is more than ${LARGE_SEED_USERS.toLocaleString('en-US')}: add --yes if you mean it`,
      'That takes a long time and a lot of disk; 10000 is the MVP scale.',
    )
  }
  if (raw.append && raw.reset) throw usageError('--append and --reset cannot be used together')
  return {
    users,
    seed:
      raw.seed === undefined
        ? DEFAULT_SEED
        : parseInteger('--seed', raw.seed, { min: 0, max: 2 ** 32 - 1 }),
    append: Boolean(raw.append),
    reset: Boolean(raw.reset),
    yes,
    migrationsTable: parseMigrationsTable(raw.migrationsTable),
  }
}

export function register(program: Command): Command {
  return program
    .command('seed')
    .option('--users <n>', `how many users (default ${DEFAULT_USERS}; 10000 is the MVP scale)`)
    .option(
      '--seed <n>',
      `random seed; the same seed gives identical data (default ${DEFAULT_SEED})`,
    )
    .option('--append', 'add fake users to a database that already has users')
    .option('--reset', 'empty every VRSS table first (destructive)')
    .option(
      '--yes',
      'confirm --reset without a prompt, allow more than 100,000 users, or seed a template database',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ vrss-db seed --users 20             # the development dataset (docs/seed.md)
  $ vrss-db seed --users 10000 --reset --yes   # MVP scale for benchmarks
  $ vrss-db seed --users 50 --seed 7 --append`,
    )
    .action(
      commandAction<SeedOptions, SeedResult>({
        parse: (raw) => parseSeedOptions(raw),
        run,
        render,
        // The seed lock's connection, two loaders and the COPY watchdog.
        maxConnections: 5,
        // Loading and vacuuming MVP-scale tables takes minutes: a statement_timeout set on the
        // database or role must not cut them off (every lock wait has its own timeout).
        session: () => ({ statement_timeout: '0' }),
        writes: () => ({ command: 'vrss-db seed' }),
        needsSession: () => ({
          command: 'vrss-db seed',
          because: 'its seed lock is a session advisory lock',
        }),
      }),
    )
}
