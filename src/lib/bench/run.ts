/**
 * The core of `vrss-db bench`: drives the application's write workloads on a scratch copy of
 * the VRSS tables (with the live triggers) and on a trigger-free copy of the same rows (the
 * floor), side by side in one run; checks after each workload, with reconcile's detection,
 * that every counter is exact; compares with a baseline. Writes nothing outside its scratch
 * schemas, which it drops (scratch.ts).
 */
import type { CommandResult } from '../cli/command.js'
import type { CoreContext, Report } from '../core.js'
import type { Sql } from '../db/connect.js'
import { ExitCode, VrssError } from '../errors.js'
import { type Comparison, compare, type TimingLike } from '../explain/baseline.js'
import type { PlanSummary } from '../explain/measure.js'
import { requireMigrated } from '../preflight/checks.js'
import { COUNTERS, reconcile } from '../reconcile/engine.js'
import { driveBuiltin } from './builtin.js'
import { type DriveSpec, type Measurement, merge, type Sample } from './measurement.js'
import type { BenchOptions, Driver } from './options.js'
import { drivePgbench, findPgbench } from './pgbench.js'
import { addProfile, profileOf, profilePoint, type Totals, type WriteProfile } from './profile.js'
import { type BenchScratch, withBenchScratch } from './scratch.js'
import { findWorkload, type Workload } from './workloads.js'

export interface WorkloadResult {
  workload: string
  description: string
  clients: number
  triggers: Measurement
  floor: Measurement
  /** triggers.tps / floor.tps */
  ratio: number
  /** Why the ratio is what it is: WAL per transaction and HOT share of posts updates, per copy. */
  profile: Record<Copy, WriteProfile>
  /** Drifted counters found by reconcile's detection after the run (0: exact). */
  drifted: number
  exact: boolean
}

export interface BenchResult extends CommandResult {
  target: string
  driver: Driver
  driverNote: string
  clients: number
  durationMs: number
  data: { users: number; posts: number }
  workloads: WorkloadResult[]
  /** In explain's --json shape, so that --baseline reads either (src/lib/explain/baseline.ts). */
  timings: TimingLike[]
  comparison?: Comparison[]
  failed: string[]
}

export type BenchEvent =
  | { type: 'preparing'; users: number; posts: number }
  | { type: 'driving'; workload: string; copy: 'triggers' | 'floor' }
  | { type: 'driven'; workload: string; copy: 'triggers' | 'floor'; tps: number }

/** A write workload has no single plan: the baseline compares p95 only. */
/** Turns each copy takes per workload. */
const SLICES = 2

const EMPTY_PLAN: PlanSummary = {
  nodeTypes: [],
  indexes: [],
  seqScans: [],
  estimatedRows: 0,
  actualRows: 0,
  sharedHitBlocks: 0,
  sharedReadBlocks: 0,
  executionMs: 0,
}

export async function bench(
  ctx: CoreContext,
  options: BenchOptions,
  report: Report<BenchEvent>,
): Promise<BenchResult> {
  refuseProduction(ctx, options)
  await requireMigrated(ctx, {
    action: 'bench',
    migrationsTable: options.migrationsTable,
    phases: [1, 2],
    hint: 'Run `vrss-db migrate` first.',
  })
  const { driver, note, drive } = chooseDriver(ctx, options)
  report({ type: 'preparing', users: options.users, posts: options.posts })
  const workloads = await withBenchScratch(ctx, options, async (scratch) => {
    const results: WorkloadResult[] = []
    for (const { name, clients } of options.workloads) {
      const workload = findWorkload(name) as Workload
      results.push(
        await runWorkload(ctx, scratch, workload, { ...options, clients }, drive, report),
      )
    }
    return results
  })
  const timings = workloads.map((w) => ({
    query: w.workload,
    subject: `${w.clients} clients`,
    p95: w.triggers.p95,
    plan: EMPTY_PLAN,
  }))
  const failed = workloads
    .filter((w) => !w.exact)
    .map((w) => `${w.workload}: ${w.drifted} counters drifted`)
  const comparison = options.baseline
    ? compare(timings, options.baseline.timings, options.baseline.tolerance)
    : undefined
  for (const c of comparison ?? []) {
    if (c.regression) failed.push(`${c.query}: p95 ${c.p95} ms, baseline ${c.baselineP95} ms`)
  }
  return {
    exitCode: failed.length > 0 ? ExitCode.checkFailed : ExitCode.ok,
    target: ctx.target.display,
    driver,
    driverNote: note,
    clients: options.clients,
    durationMs: options.durationMs,
    data: { users: options.users, posts: options.posts },
    workloads,
    timings,
    ...(comparison ? { comparison } : {}),
    failed,
  }
}

/** It writes (into its scratch schemas): only on an embedded or scratch database without --yes. */
function refuseProduction(ctx: CoreContext, options: BenchOptions): void {
  if (options.yes || ctx.target.embedded || ctx.target.database.startsWith('vrss_scratch_')) return
  throw new VrssError(
    `bench writes (into scratch schemas it creates and drops) and ${ctx.target.display} is not an embedded or scratch database`,
    {
      hint: 'Run it against a copy, or add --yes to run it on this database anyway.',
      exitCode: ExitCode.usage,
      code: 'BENCH_NEEDS_YES',
    },
  )
}

type Drive = (spec: DriveSpec) => Promise<Sample>
type Copy = 'triggers' | 'floor'

function chooseDriver(
  ctx: CoreContext,
  options: BenchOptions,
): { driver: Driver; note: string; drive: Drive } {
  const pgbench = options.driver === 'builtin' ? undefined : findPgbench(ctx.env)
  if (options.driver === 'pgbench' && !pgbench) {
    throw new VrssError('--driver pgbench: pgbench is not installed', {
      hint: 'Install the PostgreSQL client tools, set PGBENCH to its path, or use --driver builtin.',
      exitCode: ExitCode.usage,
    })
  }
  if (pgbench) {
    return {
      driver: 'pgbench',
      note: `pgbench (${pgbench})`,
      drive: (spec) => drivePgbench(pgbench, spec, ctx.target.spec, ctx.env),
    }
  }
  const open = (max: number, searchPath: string) =>
    ctx.openConnection({ max, session: { search_path: searchPath }, strict: true })
  return {
    driver: 'builtin',
    note:
      options.driver === 'builtin'
        ? 'built-in driver (--driver builtin)'
        : 'built-in driver (pgbench is not installed)',
    drive: (spec) => driveBuiltin(spec, open),
  }
}

async function runWorkload(
  ctx: CoreContext,
  scratch: BenchScratch,
  workload: Workload,
  options: BenchOptions,
  drive: Drive,
  report: Report<BenchEvent>,
): Promise<WorkloadResult> {
  const base = {
    workload,
    clients: options.clients,
    durationMs: options.durationMs,
    variables: { users: options.users, posts: options.posts, hot: 1 },
    seed: options.seed,
  }
  // Side by side: the copies take turns (triggers, floor, floor, triggers), so a change in the
  // machine's load falls on both rather than on one.
  const slices = options.durationMs >= 2000 * SLICES ? SLICES : 1
  const slice = { ...base, durationMs: Math.round(options.durationMs / slices) }
  const samples: Record<Copy, Sample[]> = { triggers: [], floor: [] }
  const totals: Record<Copy, Totals> = {
    triggers: { walBytes: 0, updates: 0, hotUpdates: 0 },
    floor: { walBytes: 0, updates: 0, hotUpdates: 0 },
  }
  for (let i = 0; i < slices; i++) {
    const order = i % 2 === 0 ? (['triggers', 'floor'] as const) : (['floor', 'triggers'] as const)
    for (const copy of order) {
      report({ type: 'driving', workload: workload.name, copy })
      const schema = copy === 'triggers' ? scratch.real : scratch.floor
      const before = await profilePoint(ctx.sql, schema)
      const sample = await drive({
        ...slice,
        seed: base.seed + i,
        searchPath: scratch.searchPath(schema),
      })
      await addProfile(ctx.sql, totals[copy], before, await profilePoint(ctx.sql, schema))
      samples[copy].push(sample)
      report({
        type: 'driven',
        workload: workload.name,
        copy,
        tps: sample.latenciesMs.length / sample.seconds,
      })
    }
  }
  const triggers = merge(samples.triggers)
  const floor = merge(samples.floor)
  const drifted = await driftedCounters(ctx, scratch)
  return {
    workload: workload.name,
    description: workload.description,
    clients: options.clients,
    triggers,
    floor,
    ratio: floor.tps > 0 ? Math.round((triggers.tps / floor.tps) * 100) / 100 : 0,
    profile: {
      triggers: profileOf(totals.triggers, triggers.transactions),
      floor: profileOf(totals.floor, floor.transactions),
    },
    drifted,
    exact: drifted === 0,
  }
}

/** reconcile's read-only detection on the scratch copy: how many counters are off. */
async function driftedCounters(ctx: CoreContext, scratch: BenchScratch): Promise<number> {
  const pool: Sql = await ctx.openConnection({
    max: 2,
    session: { search_path: scratch.searchPath(scratch.real) },
    strict: true,
  })
  try {
    const stats = await reconcile(pool, {
      only: [...COUNTERS],
      write: false,
      batchSize: 50_000,
      lockTimeoutMs: 2000,
    })
    return stats.counters.reduce((n, c) => n + c.drifted, 0) + stats.friendships.missing
  } finally {
    await pool.end({ timeout: 5 })
  }
}
