/**
 * The seed core: the reference tiers always (idempotently), then realistic, deterministic fake
 * data for N users, loaded with COPY and left with exact counters and triggers enabled. One seed
 * at a time per database: a second one stops at once, naming the first.
 */
import type { CoreContext, Report } from '../core.js'
import { withAdvisoryLock } from '../db/sessions.js'
import { query } from '../db/sql-files.js'
import { VrssError } from '../errors.js'
import { VRSS_TABLES } from '../schema/manifest.js'
import { hasTimelines, syncTimelines, type TimelineReport } from '../timeline/sync.js'
import type { Tier } from './generate-subscriptions.js'
import { generateWithReservedIds } from './ids.js'
import type { LoadTimings } from './load.js'
import { planFor } from './plan.js'
import { assertRoom } from './stream-room.js'
import {
  assertNoForeignReferences,
  emptyTables,
  SEED_LOCK,
  type UnfinishedLoad,
  undoUnfinishedLoads,
  unfinishedLoads,
} from './tables.js'

export interface SeedCoreOptions {
  users: number
  seed: number
  /** Add users next to existing ones. */
  append: boolean
  /** Empty the VRSS tables first (asks `confirm`). */
  reset: boolean
}

/** What a seed reports while it works, in this order. */
export type SeedEvent =
  /** An interrupted parallel load was found and its rows removed. */
  | { type: 'interrupted-load-undone'; load: UnfinishedLoad; tables: string[] }
  | { type: 'generate-started'; users: number; seed: number }
  /** "Generating posts (step 3 of 18)". */
  | { type: 'generate-step'; message: string }
  | { type: 'generated'; users: number; seed: number }
  | { type: 'load-started' }
  /** The load meter's line: table, rows so far, rate, time left; then vacuuming. */
  | { type: 'load-step'; message: string }
  | { type: 'load-failed' }
  | { type: 'loaded' }
  /** The rows are committed, but VACUUM (ANALYZE) after them failed. */
  | { type: 'vacuum-failed'; error: string }
  /** Phase 10: the readers of many accounts get their feed timelines (reconcile's step). */
  | { type: 'timelines-started' }
  | { type: 'timelines-done'; ready: number }

/**
 * Asked once the seed knows what --reset would empty (under the seed lock, before anything is
 * written); throws to cancel.
 */
export type ConfirmReset = (action: string) => Promise<void>

export interface DriftSummary {
  likes_count: number
  comments_count: number
  reposts_count: number
  replies_count: number
  storage_usage: number
  missing_storage_rows: number
  missing_friendships: number
}

export interface SeedOutcome {
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
  /** Phase 10: the feed timelines after the seed (readers of 500+ accounts enrolled). */
  timelines?: TimelineReport
  /** Where the time went, in ms. */
  timings: {
    strategy: string
    generateMs: number
    loadMs: number
    analyzeMs: number
    verifyMs: number
    /** Enrolling and filling the feed timelines (phase 10), 0 before it. */
    timelinesMs: number
  }
}

/**
 * Above this many users the seed streams (bounded memory); up to it, the in-memory generator
 * keeps docs/seed.md's exact development dataset.
 */
export const STREAM_MIN_USERS = 1000

/** Emptying tables (--reset, undoing a load) waits this long for their locks, then gives up. */
const RESET_LOCK_TIMEOUT_MS = 10_000

export async function seed(
  ctx: CoreContext,
  options: SeedCoreOptions,
  report: Report<SeedEvent>,
  confirm: ConfirmReset,
): Promise<SeedOutcome> {
  return withAdvisoryLock(ctx.sql, SEED_LOCK, { timeoutMs: 0, what: 'the seed lock' }, () =>
    seedLocked(ctx, options, report, confirm),
  )
}

async function seedLocked(
  ctx: CoreContext,
  options: SeedCoreOptions,
  report: Report<SeedEvent>,
  confirm: ConfirmReset,
): Promise<SeedOutcome> {
  const started = performance.now()
  // Before anything is written or emptied: a seed that cannot finish is refused now.
  if (options.users > STREAM_MIN_USERS) await assertRoom(ctx, planFor(options.users))
  await undoInterruptedLoads(ctx, report)
  await makeRoom(ctx, options, confirm)
  await query(ctx.sql, 'seed/tiers-ensure')
  const tiers = await query<Tier>(ctx.sql, 'seed/tiers')
  // The fast, parallel load is only for tables that are really empty (after --reset too).
  const fresh = await allEmpty(ctx)
  report({ type: 'generate-started', users: options.users, seed: options.seed })
  const run = options.users > STREAM_MIN_USERS ? streamed : inMemory
  const { generateMs, load, tables, feedUsers } = await run(ctx, options, tiers, fresh, report)
  report({ type: 'loaded' })
  if (load.vacuumError) report({ type: 'vacuum-failed', error: load.vacuumError })
  const verifyStarted = performance.now()
  const [drift] = await query<DriftSummary>(ctx.sql, 'seed/drift-summary')
  const verifyMs = Math.round(performance.now() - verifyStarted)
  const timelinesStarted = performance.now()
  const timelines = (await hasTimelines(ctx.sql)) ? await enrolReaders(ctx, report) : undefined
  const timelinesMs = Math.round(performance.now() - timelinesStarted)
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
    feedUsers,
    ...(timelines ? { timelines } : {}),
    timings: { generateMs, ...load, verifyMs, timelinesMs },
  }
}

/**
 * The feed timelines, as the nightly reconcile would leave them: the seeded readers of 500+
 * accounts enrolled and filled, and a timeline the load wrote past (triggers off) repaired.
 */
async function enrolReaders(ctx: CoreContext, report: Report<SeedEvent>): Promise<TimelineReport> {
  report({ type: 'timelines-started' })
  const timelines = await syncTimelines(ctx.sql, { write: true })
  report({ type: 'timelines-done', ready: timelines.ready })
  return timelines
}

interface Generated {
  generateMs: number
  load: LoadTimings
  tables: { table: string; rows: number }[]
  feedUsers: SeedOutcome['feedUsers']
}

/** The development-size seed: the whole dataset in memory (docs/seed.md's exact figures). */
async function inMemory(
  ctx: CoreContext,
  options: SeedCoreOptions,
  tiers: Tier[],
  fresh: boolean,
  report: Report<SeedEvent>,
): Promise<Generated> {
  const { generateDataset } = await import('./generate.js')
  const { loadDataset } = await import('./load.js')
  const generateStarted = performance.now()
  // --append next to a live application: the ids are reserved from the sequences, so neither
  // side can take the other's.
  const generated = await generateWithReservedIds(ctx.sql, VRSS_TABLES, (ids) =>
    generateDataset(planFor(options.users), options.seed, ids, tiers, (message) =>
      report({ type: 'generate-step', message }),
    ),
  )
  const generateMs = Math.round(performance.now() - generateStarted)
  report({ type: 'generated', users: options.users, seed: options.seed })
  report({ type: 'load-started' })
  const load = await reportFailure(report, () =>
    loadDataset(ctx.sql, generated.dataset, loadOptions(options, fresh, report)),
  )
  return {
    generateMs,
    load,
    tables: generated.dataset.all().map((t) => ({ table: t.table, rows: t.rows.length })),
    feedUsers: generated.feedUsers,
  }
}

/**
 * Above STREAM_MIN_USERS: generated chunk by chunk while it loads, in bounded memory
 * (stream-generate.ts, stream-load.ts); the generate time is then the set-up before the stream.
 */
async function streamed(
  ctx: CoreContext,
  options: SeedCoreOptions,
  tiers: Tier[],
  fresh: boolean,
  report: Report<SeedEvent>,
): Promise<Generated> {
  const { prepareStream } = await import('./stream-generate.js')
  const { loadStream } = await import('./stream-load.js')
  const generateStarted = performance.now()
  report({ type: 'generate-step', message: 'Preparing the streamed seed' })
  const stream = await generateWithReservedIds(ctx.sql, VRSS_TABLES, (ids) =>
    prepareStream(planFor(options.users), options.seed, ids, tiers),
  )
  const generateMs = Math.round(performance.now() - generateStarted)
  report({ type: 'generated', users: options.users, seed: options.seed })
  report({ type: 'load-started' })
  const load = await reportFailure(report, () =>
    loadStream(
      ctx.sql,
      (max) => ctx.openConnection({ max }),
      stream,
      loadOptions(options, fresh, report),
    ),
  )
  const tables = [...stream.counts].map(([table, rows]) => ({ table, rows }))
  return { generateMs, load, tables, feedUsers: stream.feedUsers }
}

function loadOptions(options: SeedCoreOptions, fresh: boolean, report: Report<SeedEvent>) {
  return {
    emptyTables: fresh,
    seed: options.seed,
    users: options.users,
    lockTimeoutMs: RESET_LOCK_TIMEOUT_MS,
    onStep: (message: string) => report({ type: 'load-step', message }),
  }
}

async function reportFailure<T>(report: Report<SeedEvent>, load: () => Promise<T>): Promise<T> {
  try {
    return await load()
  } catch (err) {
    report({ type: 'load-failed' })
    throw err
  }
}

/**
 * A database with users takes more only with --append; --reset empties the VRSS tables first
 * (never a table that is not VRSS's), once `confirm` agrees.
 */
async function makeRoom(
  ctx: CoreContext,
  options: SeedCoreOptions,
  confirm: ConfirmReset,
): Promise<void> {
  const [existing] = await query<{ has_users: boolean }>(ctx.sql, 'seed/has-users')
  // Without users a database takes a seed as it is — but --reset still means empty: tables
  // without a key to users (tokens, conversations) may hold rows of their own.
  if (!existing?.has_users && !(options.reset && !(await allEmpty(ctx)))) return
  if (options.reset) {
    const action = `empty the ${VRSS_TABLES.length} VRSS tables (${VRSS_TABLES.join(', ')}) and nothing else (seed --reset)`
    await assertNoForeignReferences(ctx.sql, VRSS_TABLES, 'seed --reset')
    await confirm(action)
    await emptyTables(ctx.sql, VRSS_TABLES, {
      action: 'seed --reset',
      lockTimeoutMs: RESET_LOCK_TIMEOUT_MS,
    })
  } else if (!options.append) {
    throw new VrssError(`${ctx.target.display} already has users`, {
      hint: 'Add --append to add more fake users next to them, or --reset to empty the VRSS tables first.',
      code: 'HAS_USERS',
    })
  }
}

/** A parallel load that died half-way left rows behind: remove them, and say so. */
async function undoInterruptedLoads(ctx: CoreContext, report: Report<SeedEvent>): Promise<void> {
  const loads = await unfinishedLoads(ctx.sql)
  if (loads.length === 0) return
  const tables = await undoUnfinishedLoads(ctx.sql, loads, RESET_LOCK_TIMEOUT_MS)
  report({ type: 'interrupted-load-undone', load: loads[0] as UnfinishedLoad, tables })
}

/** True when no table the seed writes holds a row (then the fast parallel load is safe). */
async function allEmpty(ctx: CoreContext): Promise<boolean> {
  for (const table of VRSS_TABLES) {
    if (table === 'subscription_tiers') continue
    // A table name is an identifier, not a bind parameter: this query cannot live in a file.
    const [row] = await ctx.sql`select exists (select 1 from ${ctx.sql(table)}) as has_rows`
    if (row?.has_rows) return false
  }
  return true
}
