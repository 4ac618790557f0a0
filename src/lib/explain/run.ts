/**
 * The core of `vrss-db explain`: times the named queries (or one --file query under review) on
 * the target, judges each p95 against its docs/performance.md target, and compares with a
 * baseline. Never prints: progress goes out as ExplainEvents, the result is rendered by the
 * command (report.ts).
 */

import type { CoreContext, Report } from '../core.js'
import type { Sql } from '../db/connect.js'
import { openReplica } from '../db/replica.js'
import { loadSql, query } from '../db/sql-files.js'
import { ExitCode } from '../errors.js'
import { requireMigrated } from '../preflight/checks.js'
import { VRSS_TABLES } from '../schema/manifest.js'
import { type Comparison, compare } from './baseline.js'
import { type Measurement, type MeasureOptions, measure } from './measure.js'
import type { ExplainOptions } from './options.js'
import {
  findQuery,
  MEANINGFUL_POSTS,
  type NamedQuery,
  SUBJECT_PHASES,
  type Subjects,
} from './queries.js'
import { type ReplicaTiming, replicaMisses, replicaTiming, rowDifferences } from './replica.js'

/** A query's timing on the target: a replica's timing (replica.ts), and what it is measured for. */
export interface QueryTiming extends ReplicaTiming {
  query: string
  /** Shown for comparison only; its result does not set the exit code. */
  reference: boolean
  subject: string
  targetMs: number
  /** With --replica: the same query and subject timed on the replica. */
  replica?: ReplicaTiming
}

export interface ExplainResult {
  exitCode: ExitCode
  target: string
  runs: number
  timings: QueryTiming[]
  tables: { table: string; rows: number }[]
  warnings: string[]
  failed: string[]
  comparison?: Comparison[]
  /** With --replica: the hot standby timed beside the target (masked URL). */
  replica?: string
}

/** Before and after timing one named query for one subject. */
export type ExplainEvent =
  | { type: 'timing'; query: string; subject: string; onReplica?: boolean }
  | { type: 'timed'; query: string; subject: string; p95: number; onReplica?: boolean }

export const WARMUP_RUNS = 5

export async function explain(
  ctx: CoreContext,
  options: ExplainOptions,
  report: Report<ExplainEvent>,
): Promise<ExplainResult> {
  await requireMigrated(ctx, {
    action: 'explain',
    migrationsTable: options.migrationsTable,
    phases: neededPhases(options),
    hint: 'Run `vrss-db migrate` and `vrss-db seed` first.',
  })
  const replica = options.replica
    ? await openReplica(ctx, options.replica, '--replica', { max: 1 })
    : undefined
  const [subjects] = await query<Subjects>(ctx.sql, 'explain/subjects')
  const tables = await query<{ table: string; rows: number }>(ctx.sql, 'explain/table-sizes', [
    VRSS_TABLES,
  ])
  const warnings = smallDataWarnings(Number(subjects?.posts ?? 0))
  const timings: QueryTiming[] = []
  const servers: Servers = { target: ctx.sql, replica: replica?.sql }
  if (options.custom) timings.push(await timeCustom(servers, options.custom, options, report))
  for (const name of options.custom ? [] : options.queries) {
    const named = findQuery(name)
    if (named) {
      const into = { timings, warnings }
      await timeNamed(ctx, servers, options, named, subjects as Subjects, into, report)
    }
  }
  const failed = [...missedTargets(timings), ...replicaMisses(timings)]
  warnings.push(...rowDifferences(timings))
  const comparison = options.baseline
    ? compareWithBaseline(timings, options.baseline, { failed, warnings })
    : undefined
  const index = options.assertIndex
  if (index && !timings.some((t) => t.plan.indexes.includes(index))) {
    failed.push(`no measured plan uses index ${index}`)
  }
  return {
    exitCode: options.fail && failed.length > 0 ? ExitCode.checkFailed : ExitCode.ok,
    target: ctx.target.display,
    runs: options.runs,
    timings,
    tables: tables.map((t) => ({ table: t.table, rows: Number(t.rows) })),
    warnings,
    failed,
    ...(comparison ? { comparison } : {}),
    ...(replica ? { replica: replica.display } : {}),
  }
}

/** Where each query is timed: the target, and the --replica standby when given. */
interface Servers {
  target: Sql
  replica: Sql | undefined
}

/** Times `text` on the target, then on the replica (each its own rolled-back transaction). */
async function measureOn(
  servers: Servers,
  text: string,
  params: never[],
  options: MeasureOptions,
  targetMs: number,
  progress: { report: Report<ExplainEvent>; query: string; subject: string },
): Promise<{ m: Measurement; replica?: ReplicaTiming }> {
  const { report, query, subject } = progress
  report({ type: 'timing', query, subject })
  const m = await measure(servers.target, text, params, options)
  report({ type: 'timed', query, subject, p95: m.p95 })
  if (!servers.replica) return { m }
  report({ type: 'timing', query, subject, onReplica: true })
  const r = await measure(servers.replica, text, params, options)
  report({ type: 'timed', query, subject, p95: r.p95, onReplica: true })
  return { m, replica: replicaTiming(r, targetMs) }
}

/** subjects.sql always runs; each named query adds the phases it reads (none for --file). */
export function neededPhases(options: Pick<ExplainOptions, 'queries' | 'custom'>): number[] {
  const named = options.custom ? [] : options.queries.map((q) => findQuery(q)?.phases ?? [])
  return [...new Set([...SUBJECT_PHASES, ...named.flat()])].sort((a, b) => a - b)
}

function smallDataWarnings(posts: number): string[] {
  if (posts >= MEANINGFUL_POSTS) return []
  return [
    `Only ${posts.toLocaleString('en-US')} posts: these timings say little about production (the targets of docs/performance.md assume ~500K; seed with \`vrss-db seed --users 10000\`).`,
  ]
}

async function timeCustom(
  servers: Servers,
  custom: NonNullable<ExplainOptions['custom']>,
  options: ExplainOptions,
  report: Report<ExplainEvent>,
): Promise<QueryTiming> {
  const { file, text, params, targetMs } = custom
  const subject = params.length > 0 ? `params ${params.join(', ')}` : 'no params'
  const measureOptions = {
    runs: options.runs,
    warmup: WARMUP_RUNS,
    allowWrites: options.allowWrites,
    guard: `--file ${file}`,
  }
  const { m, replica } = await measureOn(
    servers,
    text,
    params as never[],
    measureOptions,
    targetMs,
    {
      report,
      query: file,
      subject,
    },
  )
  const { p50, p95, max, rows, plan } = m
  return {
    query: file,
    reference: false,
    subject,
    targetMs,
    p50,
    p95,
    max,
    rows,
    plan,
    pass: p95 <= targetMs,
    ...(replica ? { replica } : {}),
  }
}

async function timeNamed(
  ctx: CoreContext,
  servers: Servers,
  options: ExplainOptions,
  named: NamedQuery,
  subjects: Subjects,
  into: { timings: QueryTiming[]; warnings: string[] },
  report: Report<ExplainEvent>,
): Promise<void> {
  const picked = named.subjects(subjects, options.user)
  if (picked.length === 0)
    into.warnings.push(`${named.name}: no subject in the data (seed it first).`)
  for (const variant of named.variants) {
    const label = variant.label ? `${named.name} (${variant.label})` : named.name
    if (variant.requires && !(await functionExists(ctx, variant.requires.signature))) {
      into.warnings.push(
        `${label}: ${variant.requires.signature} is missing — run \`vrss-db migrate\` (phase ${variant.requires.phase}).`,
      )
      continue
    }
    const text = loadSql(variant.file)
    for (const subject of picked) {
      const { m, replica } = await measureOn(
        servers,
        text,
        subject.params as never[],
        { runs: options.runs, warmup: WARMUP_RUNS },
        named.targetMs,
        { report, query: label, subject: subject.label },
      )
      into.timings.push({
        query: label,
        reference: Boolean(variant.reference),
        subject: subject.label,
        targetMs: named.targetMs,
        p50: m.p50,
        p95: m.p95,
        max: m.max,
        rows: m.rows,
        pass: m.p95 <= named.targetMs,
        plan: m.plan,
        ...(replica ? { replica } : {}),
      })
    }
  }
}

async function functionExists(ctx: CoreContext, signature: string): Promise<boolean> {
  const [found] = await query<{ ok: boolean }>(ctx.sql, 'explain/function-exists', [signature])
  return Boolean(found?.ok)
}

/** The plan's feed is shown for reference only: its misses do not fail the run. */
function missedTargets(timings: QueryTiming[]): string[] {
  return timings
    .filter((t) => !t.pass && !t.reference)
    .map((t) => `${t.query} (${t.subject}): p95 ${t.p95} ms > ${t.targetMs} ms`)
}

/** p95 regressions fail the run; plan changes are warnings. */
function compareWithBaseline(
  timings: QueryTiming[],
  baseline: NonNullable<ExplainOptions['baseline']>,
  into: { failed: string[]; warnings: string[] },
): Comparison[] {
  const comparison = compare(timings, baseline.timings, baseline.tolerance)
  for (const c of comparison) {
    const where = `${c.query} (${c.subject})`
    if (c.regression) {
      into.failed.push(
        `${where}: p95 ${c.p95} ms vs ${c.baselineP95} ms in the baseline (+${Math.round(c.change * 100)}%)`,
      )
    }
    for (const change of c.planChanges) into.warnings.push(`plan changed for ${where}: ${change}`)
  }
  return comparison
}
