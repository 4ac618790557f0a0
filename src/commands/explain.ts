/**
 * `vrss-db explain [query…]`: times the critical queries against their docs/performance.md targets on the
 * target database, with their plans, in a form to paste into a code review.
 */
import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { type CommandResult, commandAction } from '../lib/cli/command.js'
import type { Context } from '../lib/cli/context.js'
import type { Output } from '../lib/cli/output.js'
import { formatMs, renderTable } from '../lib/cli/render.js'
import { loadSql, query } from '../lib/db/sql-files.js'
import { ExitCode, usageError, VrssError } from '../lib/errors.js'
import { type Comparison, compare, loadBaseline, type TimingLike } from '../lib/explain/baseline.js'
import { measurableStatement } from '../lib/explain/guard.js'
import { measure, type PlanSummary } from '../lib/explain/measure.js'
import {
  findQuery,
  MEANINGFUL_POSTS,
  NAMED_QUERIES,
  type Subjects,
} from '../lib/explain/queries.js'
import { parseDuration, parseInteger } from '../lib/parse.js'
import { VRSS_TABLES } from '../lib/schema/manifest.js'

export interface ExplainOptions {
  queries: string[]
  runs: number
  user: number | undefined
  fail: boolean
  format: 'table' | 'markdown'
  assertIndex: string | undefined
  /** --file: a query under review instead of the named ones. */
  custom: { file: string; text: string; params: (string | number)[]; targetMs: number } | undefined
  /** --allow-writes: time a data-modifying --file query (every run is still rolled back). */
  allowWrites: boolean
  /** --baseline: an earlier --json result, and how much slower p95 may get (0.2 = 20%). */
  baseline: { file: string; timings: TimingLike[]; tolerance: number } | undefined
}

export interface QueryTiming {
  query: string
  /** Shown for comparison only; its result does not set the exit code. */
  reference: boolean
  subject: string
  targetMs: number
  p50: number
  p95: number
  max: number
  rows: number
  pass: boolean
  plan: PlanSummary
}

export interface ExplainResult extends CommandResult {
  target: string
  runs: number
  timings: QueryTiming[]
  tables: { table: string; rows: number }[]
  warnings: string[]
  failed: string[]
  comparison?: Comparison[]
}

const WARMUP_RUNS = 5

export async function run(options: ExplainOptions, ctx: Context): Promise<ExplainResult> {
  const [tablesPresent] = await ctx.sql`select to_regclass('posts') is not null as ok`
  if (!tablesPresent?.ok) {
    throw new VrssError('Nothing to explain: the VRSS tables do not exist', {
      hint: 'Run `vrss-db migrate` and `vrss-db seed` first.',
    })
  }
  const [subjects] = await query<Subjects>(ctx.sql, 'explain/subjects')
  const tables = await ctx.sql<{ table: string; rows: number }[]>`
    select c.relname as table, greatest(c.reltuples, 0)::bigint as rows
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = current_schema() and c.relname = any(${VRSS_TABLES as string[]}) order by c.relname`
  const warnings: string[] = []
  if (Number(subjects?.posts ?? 0) < MEANINGFUL_POSTS) {
    warnings.push(
      `Only ${Number(subjects?.posts ?? 0).toLocaleString('en-US')} posts: these timings say little about production (the targets of docs/performance.md assume ~500K; seed with \`vrss-db seed --users 10000\`).`,
    )
  }
  const timings: QueryTiming[] = []
  if (options.custom) {
    const { file, text, params, targetMs } = options.custom
    const m = await measure(ctx.sql, text, params, {
      runs: options.runs,
      warmup: WARMUP_RUNS,
      allowWrites: options.allowWrites,
      guard: `--file ${file}`,
    })
    timings.push({
      query: file,
      reference: false,
      subject: params.length > 0 ? `params ${params.join(', ')}` : 'no params',
      targetMs,
      p50: m.p50,
      p95: m.p95,
      max: m.max,
      rows: m.rows,
      pass: m.p95 <= targetMs,
      plan: m.plan,
    })
  }
  for (const name of options.custom ? [] : options.queries) {
    const named = findQuery(name)
    if (!named) continue
    const picked = named.subjects(subjects as Subjects, options.user)
    if (picked.length === 0) warnings.push(`${named.name}: no subject in the data (seed it first).`)
    for (const variant of named.variants) {
      const label = variant.label ? `${named.name} (${variant.label})` : named.name
      if (variant.requires) {
        const [found] = await ctx.sql`select to_regprocedure(${variant.requires}) is not null as ok`
        if (!found?.ok) {
          warnings.push(
            `${label}: ${variant.requires} is missing — run \`vrss-db migrate\` (phase 5).`,
          )
          continue
        }
      }
      const text = loadSql(variant.file)
      for (const subject of picked) {
        const progress = ctx.out.progress(`Timing ${label} for ${subject.label}`)
        const m = await measure(ctx.sql, text, subject.params as never[], {
          runs: options.runs,
          warmup: WARMUP_RUNS,
        })
        progress.succeed(`Timed ${label} for ${subject.label}: p95 ${formatMs(m.p95)}`)
        timings.push({
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
        })
      }
    }
  }
  // The plan's feed is shown for reference only: its misses do not fail the run.
  const failed = timings
    .filter((t) => !t.pass && !t.reference)
    .map((t) => `${t.query} (${t.subject}): p95 ${t.p95} ms > ${t.targetMs} ms`)
  let comparison: Comparison[] | undefined
  if (options.baseline) {
    comparison = compare(timings, options.baseline.timings, options.baseline.tolerance)
    for (const c of comparison) {
      const where = `${c.query} (${c.subject})`
      if (c.regression) {
        failed.push(
          `${where}: p95 ${c.p95} ms vs ${c.baselineP95} ms in the baseline (+${Math.round(c.change * 100)}%)`,
        )
      }
      for (const change of c.planChanges) warnings.push(`plan changed for ${where}: ${change}`)
    }
  }
  if (
    options.assertIndex &&
    !timings.some((t) => t.plan.indexes.includes(options.assertIndex as string))
  ) {
    failed.push(`no measured plan uses index ${options.assertIndex}`)
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
  }
}

function planLine(plan: PlanSummary): string {
  const scan = plan.seqScans.length > 0 ? `seq scan on ${plan.seqScans.join(', ')}` : ''
  const idx = plan.indexes.length > 0 ? plan.indexes.join(', ') : ''
  return [idx, scan].filter(Boolean).join('; ') || plan.nodeTypes[0] || ''
}

export function render(result: ExplainResult, out: Output, options: ExplainOptions): void {
  if (options.format === 'markdown') {
    out.print(renderMarkdown(result))
    return
  }
  const c = out.color
  for (const warning of result.warnings) out.warn(warning)
  out.print(
    renderTable(
      // max is in --json and --format markdown; the terminal table keeps to 120 columns.
      ['query', 'subject', 'p50', 'p95', 'p95 target', 'indexes / scans'],
      result.timings.map((t) => [
        t.query,
        t.subject,
        formatMs(t.p50),
        formatMs(t.p95),
        `${t.pass ? c.green('PASS') : t.reference ? c.yellow('ref miss') : c.red('FAIL')} < ${t.targetMs} ms`,
        planLine(t.plan),
      ]),
      out,
    ),
  )
  out.print(
    `${result.runs} timed runs each after ${WARMUP_RUNS} warm-up runs, client-side, on ${result.target}; tables: ${result.tables
      .filter((t) =>
        ['users', 'posts', 'user_follows', 'post_interactions', 'comments'].includes(t.table),
      )
      .map((t) => `${t.table} ~${t.rows.toLocaleString('en-US')}`)
      .join(', ')}`,
  )
  for (const failure of result.failed) out.print(c.red(`FAIL ${failure}`))
  if (result.comparison) out.print(comparisonText(result.comparison))
}

function comparisonText(comparison: Comparison[]): string {
  const lines = ['Compared with the baseline:']
  for (const c of comparison) {
    const pct = Number.isFinite(c.change)
      ? `${c.change >= 0 ? '+' : ''}${Math.round(c.change * 100)}%`
      : 'new'
    const flags = [
      c.regression ? 'REGRESSION' : '',
      c.planChanges.length ? `plan: ${c.planChanges.join('; ')}` : '',
    ]
      .filter(Boolean)
      .join(' · ')
    lines.push(
      `  ${c.query} (${c.subject}): p95 ${c.baselineP95} → ${c.p95} ms (${pct})${flags ? ` ${flags}` : ''}`,
    )
  }
  return lines.join('\n')
}

export function renderMarkdown(result: ExplainResult): string {
  const lines = ['### vrss-db explain', '']
  for (const warning of result.warnings) lines.push(`> ⚠️ ${warning}`, '')
  lines.push(
    '| query | subject | p50 | p95 | max | target | result | plan |',
    '|---|---|---:|---:|---:|---:|---|---|',
  )
  for (const t of result.timings) {
    lines.push(
      `| ${t.query} | ${t.subject} | ${t.p50} ms | ${t.p95} ms | ${t.max} ms | < ${t.targetMs} ms | ${t.pass ? '✅ PASS' : t.reference ? '⚠️ miss (reference)' : '❌ FAIL'} | ${planLine(t.plan)} |`,
    )
  }
  lines.push('', '<details><summary>Plans</summary>', '')
  for (const t of result.timings) {
    const p = t.plan
    lines.push(
      `- **${t.query}** (${t.subject}): ${p.nodeTypes.join(' → ')}; rows estimated ${p.estimatedRows}, actual ${p.actualRows}; buffers hit ${p.sharedHitBlocks}, read ${p.sharedReadBlocks}; execution ${p.executionMs} ms`,
    )
  }
  if (result.comparison) lines.push('', '```', comparisonText(result.comparison), '```')
  lines.push(
    '',
    '</details>',
    '',
    `${result.runs} runs per query; tables: ${result.tables.map((t) => `${t.table} ~${t.rows}`).join(', ')}`,
  )
  return lines.join('\n')
}

function parseCustom(raw: Record<string, unknown>): ExplainOptions['custom'] {
  if (raw.file === undefined) {
    if (raw.param !== undefined || raw.target !== undefined)
      throw usageError('--param and --target go with --file')
    return undefined
  }
  const file = String(raw.file)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw usageError(
      `Cannot read --file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    )
  }
  const params = ((raw.param as string[] | undefined) ?? []).map((p) =>
    /^-?\d+$/.test(p) ? Number(p) : p,
  )
  const targetMs =
    raw.target === undefined
      ? 50
      : parseDuration('--target', raw.target, {
          zeroMeans: 'a target no query meets',
        })
  return { file, text: measurableStatement(text, file, Boolean(raw.allowWrites)), params, targetMs }
}

export function parseExplainOptions(raw: Record<string, unknown>, args: string[]): ExplainOptions {
  const names = args.length > 0 ? args : NAMED_QUERIES.map((q) => q.name)
  const unknown = names.filter((n) => !findQuery(n))
  if (unknown.length > 0) {
    throw usageError(
      `Unknown query ${unknown.map((u) => `"${u}"`).join(', ')}`,
      `Use one of: ${NAMED_QUERIES.map((q) => [q.name, ...q.aliases].join('/')).join(', ')}.`,
    )
  }
  if (raw.allowWrites && raw.file === undefined)
    throw usageError('--allow-writes goes with --file (the named queries only read)')
  const format = String(raw.format ?? 'table')
  if (format !== 'table' && format !== 'markdown')
    throw usageError(`--format must be table or markdown, got "${format}"`)
  return {
    queries: [...new Set(names.map((n) => findQuery(n)?.name as string))],
    runs: raw.runs === undefined ? 30 : parseInteger('--runs', raw.runs, { min: 1, max: 10_000 }),
    user: raw.user === undefined ? undefined : parseInteger('--user', raw.user, { min: 1 }),
    fail: raw.fail !== false,
    format,
    assertIndex: typeof raw.assertIndex === 'string' ? raw.assertIndex : undefined,
    custom: parseCustom(raw),
    allowWrites: Boolean(raw.allowWrites),
    baseline:
      raw.baseline === undefined
        ? undefined
        : {
            file: String(raw.baseline),
            timings: loadBaseline(String(raw.baseline)),
            tolerance:
              raw.tolerance === undefined
                ? 0.2
                : parseInteger('--tolerance', raw.tolerance, { min: 0, max: 10_000 }) / 100,
          },
  }
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

export function register(program: Command): Command {
  return program
    .command('explain')
    .argument(
      '[queries...]',
      `named queries (default all): ${NAMED_QUERIES.map((q) => q.name).join(', ')}`,
    )
    .option('--runs <n>', 'timed runs per query after 5 warm-up runs (default 30)')
    .option('--user <id>', 'measure for this user instead of the automatically picked subjects')
    .option('--format <format>', 'table (default) or markdown, ready to paste into a pull request')
    .option('--assert-index <name>', 'fail when no measured plan uses this index')
    .option('--no-fail', 'report only: exit 0 even when a target is missed')
    .option('--file <query.sql>', 'time a query under review instead of the named ones')
    .option(
      '--param <value>',
      'a bind parameter ($1, $2 … in order) for --file; repeatable',
      collect,
    )
    .option('--target <duration>', 'target for --file, e.g. 20ms (default 50ms)')
    .option(
      '--allow-writes',
      'let a --file query write (INSERT/UPDATE/DELETE); every run is still rolled back',
    )
    .option(
      '--baseline <file>',
      'compare with an earlier --json result: p95 regressions fail, plan changes are flagged',
    )
    .option('--tolerance <percent>', 'how much slower p95 may be than the baseline (default 20)')
    .addHelpText(
      'after',
      `
PASS/FAIL is judged on p95. Exit 3 when a target is missed (unless --no-fail).
Every run happens in a transaction that is always rolled back, READ ONLY unless --allow-writes;
a --file holds exactly one statement, and calls whose effect survives a rollback (nextval,
setval, pg_terminate_backend, dblink, …) are refused.

Examples:
  $ vrss-db explain                       # all named queries
  $ vrss-db explain feed --format markdown
  $ vrss-db explain quota badge --user 42 --runs 100 --json
  $ vrss-db explain --file query.sql --param 42 --target 20ms
  $ vrss-db explain --json > base.json && … && vrss-db explain --baseline base.json`,
    )
    .action(
      commandAction<ExplainOptions, ExplainResult>({
        parse: (raw, args) => parseExplainOptions(raw, args),
        run,
        render,
        // Never stuck behind another session's lock; the measured runs set their own limits.
        session: (options) => ({
          ...(options.allowWrites ? {} : { default_transaction_read_only: 'on' }),
          lock_timeout: '5s',
          statement_timeout: '5min',
        }),
      }),
    )
}
