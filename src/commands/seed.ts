/**
 * `vrss-db seed`: the reference tiers always (idempotently), then realistic, deterministic fake
 * data for `--users N`, loaded with COPY and left with exact counters and triggers enabled.
 */
import type { Command } from 'commander'
import { type CommandResult, commandAction } from '../lib/cli/command.js'
import { confirmDestructive } from '../lib/cli/confirm.js'
import type { Context } from '../lib/cli/context.js'
import type { Output } from '../lib/cli/output.js'
import { formatMs, renderTable } from '../lib/cli/render.js'
import { guardTargetDatabase } from '../lib/cli/target-database.js'
import { withAdvisoryLock } from '../lib/db/sessions.js'
import { query } from '../lib/db/sql-files.js'
import { usageError, VrssError } from '../lib/errors.js'
import { comparePhases, readApplied } from '../lib/migrate/engine.js'
import { loadMigrations } from '../lib/migrate/files.js'
import { parseInteger, parseMigrationsTable } from '../lib/parse.js'
import { VRSS_TABLES } from '../lib/schema/manifest.js'
import type { Tier } from '../lib/seed/generate-subscriptions.js'
import { generateWithReservedIds } from '../lib/seed/ids.js'
import { planFor } from '../lib/seed/plan.js'
import {
  assertNoForeignReferences,
  emptyTables,
  SEED_LOCK,
  type UnfinishedLoad,
  undoUnfinishedLoads,
  unfinishedLoads,
} from '../lib/seed/tables.js'

export const DEFAULT_SEED = 42
export const DEFAULT_USERS = 20
/** Above this many users, --yes is required (it takes minutes and gigabytes). */
export const LARGE_SEED_USERS = 100_000

export interface SeedOptions {
  users: number
  seed: number
  append: boolean
  reset: boolean
  yes: boolean
  /** The bookkeeping table (--migrations-table); schema_migrations when undefined. */
  migrationsTable?: string
}

export interface DriftSummary {
  likes_count: number
  comments_count: number
  reposts_count: number
  replies_count: number
  storage_usage: number
  missing_storage_rows: number
  missing_friendships: number
}

export interface SeedResult extends CommandResult {
  target: string
  seed: number
  users: number
  tables: { table: string; rows: number }[]
  totalRows: number
  elapsedMs: number
  rowsPerSecond: number
  /** Rows breaking a docs/schema.md guarantee after the seed: all zero. */
  drift: DriftSummary
  feedUsers: { power: number[]; typical: number[]; sparse: number[] }
  /** Where the time went, in ms. */
  timings: {
    strategy: string
    generateMs: number
    loadMs: number
    analyzeMs: number
    verifyMs: number
  }
}

/** Emptying tables for --reset waits this long for their locks, then gives up. */
const RESET_LOCK_TIMEOUT_MS = 10_000

/** One seed at a time per database: a second one stops at once, naming the first. */
export async function run(options: SeedOptions, ctx: Context): Promise<SeedResult> {
  return withAdvisoryLock(ctx.sql, SEED_LOCK, { timeoutMs: 0, what: 'the seed lock' }, () =>
    seedLocked(options, ctx),
  )
}

async function seedLocked(options: SeedOptions, ctx: Context): Promise<SeedResult> {
  const started = performance.now()
  await guardTargetDatabase(ctx, { yes: options.yes })
  await assertMigrated(ctx, options.migrationsTable)
  await undoInterruptedLoads(ctx)
  const [existing] = await ctx.sql`select exists (select 1 from users) as has_users`
  if (existing?.has_users && options.reset) {
    const action = `empty the ${VRSS_TABLES.length} VRSS tables (${VRSS_TABLES.join(', ')}) and nothing else (seed --reset)`
    await assertNoForeignReferences(ctx.sql, VRSS_TABLES, 'seed --reset')
    await confirmDestructive(ctx, action, options.yes)
    await emptyTables(ctx.sql, VRSS_TABLES, {
      action: 'seed --reset',
      lockTimeoutMs: RESET_LOCK_TIMEOUT_MS,
    })
  } else if (existing?.has_users && !options.append) {
    throw new VrssError(`${ctx.target.display} already has users`, {
      hint: 'Add --append to add more fake users next to them, or --reset to empty the VRSS tables first.',
      code: 'HAS_USERS',
    })
  }
  await query(ctx.sql, 'queries/seed-tiers')
  const tiers = await ctx.sql<
    Tier[]
  >`select id, name, storage_bytes from subscription_tiers order by id`
  const fresh = options.reset || (await allEmpty(ctx))
  const progress = ctx.out.progress(
    `Generating ${options.users.toLocaleString('en-US')} users (seed ${options.seed})`,
  )
  const { generateDataset } = await import('../lib/seed/generate.js')
  const { loadDataset } = await import('../lib/seed/load.js')
  const generateStarted = performance.now()
  // --append next to a live application: the ids are reserved from the sequences, so neither
  // side can take the other's.
  const generated = await generateWithReservedIds(ctx.sql, VRSS_TABLES, (ids) =>
    generateDataset(planFor(options.users), options.seed, ids, tiers, (message) =>
      progress.update(message),
    ),
  )
  const generateMs = Math.round(performance.now() - generateStarted)
  progress.succeed(
    `Generated ${options.users.toLocaleString('en-US')} users (seed ${options.seed})`,
  )
  const loading = ctx.out.progress('Loading')
  let load: Awaited<ReturnType<typeof loadDataset>>
  try {
    load = await loadDataset(ctx.sql, generated.dataset, {
      emptyTables: fresh,
      seed: options.seed,
      users: options.users,
      lockTimeoutMs: RESET_LOCK_TIMEOUT_MS,
      onStep: (message) => loading.update(message),
    })
  } catch (err) {
    loading.fail('Loading failed; nothing was written')
    throw err
  }
  loading.succeed('Loaded')
  if (load.vacuumError) {
    ctx.out.warn(
      `The data is loaded, but VACUUM (ANALYZE) after it failed: ${load.vacuumError}. Run VACUUM ANALYZE later for good query plans.`,
    )
  }
  const verifyStarted = performance.now()
  const [drift] = await query<DriftSummary>(ctx.sql, 'queries/drift-summary')
  const verifyMs = Math.round(performance.now() - verifyStarted)
  const tables = generated.dataset.all().map((t) => ({ table: t.table, rows: t.rows.length }))
  tables.sort((a, b) => VRSS_TABLES.indexOf(a.table) - VRSS_TABLES.indexOf(b.table))
  const totalRows = tables.reduce((sum, t) => sum + t.rows, 0)
  const elapsedMs = performance.now() - started
  return {
    target: ctx.target.display,
    seed: options.seed,
    users: options.users,
    tables,
    totalRows,
    elapsedMs: Math.round(elapsedMs),
    rowsPerSecond: Math.round(totalRows / (elapsedMs / 1000)),
    drift: drift as DriftSummary,
    feedUsers: generated.feedUsers,
    timings: { generateMs, ...load, verifyMs },
  }
}

/** A parallel load that died half-way left rows behind: remove them, and say so. */
async function undoInterruptedLoads(ctx: Context): Promise<void> {
  const loads = await unfinishedLoads(ctx.sql)
  if (loads.length === 0) return
  const tables = await undoUnfinishedLoads(ctx.sql, loads, RESET_LOCK_TIMEOUT_MS)
  const first = loads[0] as UnfinishedLoad
  ctx.out.warn(
    `An earlier seed (started ${first.started_at.toISOString()} by ${first.started_by}) did not finish: removed the rows it had loaded into ${tables.length} tables, which were empty before it.`,
  )
}

async function assertMigrated(ctx: Context, migrationsTable?: string): Promise<void> {
  const phases = comparePhases(loadMigrations(), await readApplied(ctx.sql, migrationsTable))
  const pending = phases.filter((p) => p.state === 'pending')
  if (pending.length > 0) {
    throw new VrssError(
      `${ctx.target.display} is not migrated (pending phases: ${pending.map((p) => p.version).join(', ')})`,
      { hint: 'Run `vrss-db migrate` first.', code: 'NOT_MIGRATED' },
    )
  }
}

/** True when no table the seed writes holds a row (then the fast parallel load is safe). */
async function allEmpty(ctx: Context): Promise<boolean> {
  for (const table of VRSS_TABLES) {
    if (table === 'subscription_tiers') continue
    const [row] = await ctx.sql`select exists (select 1 from ${ctx.sql(table)}) as has_rows`
    if (row?.has_rows) return false
  }
  return true
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
    `Time: generate ${formatMs(t.generateMs)}, load ${formatMs(t.loadMs)} (${t.strategy}), vacuum+analyze ${formatMs(t.analyzeMs)}, verify ${formatMs(t.verifyMs)}.`,
  )
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
      }),
    )
}
