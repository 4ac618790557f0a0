/**
 * explain's result as text: the terminal table, the markdown block to paste into a pull
 * request, and the comparison with a baseline. Pure: the command prints what these return.
 */
import type { Output } from '../ui/output.js'
import { formatMs, renderTable } from '../ui/render.js'
import type { Comparison } from './baseline.js'
import type { PlanSummary } from './measure.js'
import { type ExplainResult, type QueryTiming, WARMUP_RUNS } from './run.js'

/** The tables whose size says whether the timings mean anything, in the terminal summary. */
const SUMMARY_TABLES = ['users', 'posts', 'user_follows', 'post_interactions', 'comments']

/** "idx_a, idx_b; seq scan on posts", or the outermost node type when neither. */
export function planLine(plan: PlanSummary): string {
  const scan = plan.seqScans.length > 0 ? `seq scan on ${plan.seqScans.join(', ')}` : ''
  const idx = plan.indexes.length > 0 ? plan.indexes.join(', ') : ''
  return [idx, scan].filter(Boolean).join('; ') || plan.nodeTypes[0] || ''
}

function verdict(t: QueryTiming, c: Output['color']): string {
  return t.pass ? c.green('PASS') : t.reference ? c.yellow('ref miss') : c.red('FAIL')
}

/** The terminal report (stdout): timings, table sizes, failures, the baseline comparison. */
export function renderExplainTable(result: ExplainResult, out: Output): string {
  const c = out.color
  const replica = result.replica !== undefined
  const table = renderTable(
    // max is in --json and --format markdown; the terminal table keeps to 120 columns.
    [
      'query',
      'subject',
      'p50',
      'p95',
      ...(replica ? ['replica p95'] : []),
      'p95 target',
      'indexes / scans',
    ],
    result.timings.map((t) => [
      t.query,
      t.subject,
      formatMs(t.p50),
      formatMs(t.p95),
      ...(replica ? replicaCells(t, c) : []),
      `${verdict(t, c)} < ${t.targetMs} ms`,
      planLine(t.plan),
    ]),
    out,
  )
  const sizes = result.tables
    .filter((t) => SUMMARY_TABLES.includes(t.table))
    .map((t) => `${t.table} ~${t.rows.toLocaleString('en-US')}`)
    .join(', ')
  const lines = [
    table,
    `${result.runs} timed runs each after ${WARMUP_RUNS} warm-up runs, client-side, on ${result.target}${onReplica(result)}; tables: ${sizes}`,
    ...result.failed.map((failure) => c.red(`FAIL ${failure}`)),
  ]
  if (result.comparison) lines.push(comparisonText(result.comparison))
  return lines.join('\n')
}

/** The replica's p95, marked when it misses the target (it then fails the run); its p50 and
 * max are in --json and --format markdown. */
function replicaCells(t: QueryTiming, c: Output['color']): string[] {
  if (!t.replica) return ['']
  const miss = t.replica.pass ? '' : t.reference ? c.yellow(' miss') : c.red(' FAIL')
  return [`${formatMs(t.replica.p95)}${miss}`]
}

function onReplica(result: ExplainResult): string {
  return result.replica ? ` and on the replica ${result.replica}` : ''
}

/** One line per compared timing: p95 before → now, the change, regressions and plan changes. */
export function comparisonText(comparison: Comparison[]): string {
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

function markdownVerdict(t: QueryTiming): string {
  return t.pass ? '✅ PASS' : t.reference ? '⚠️ miss (reference)' : '❌ FAIL'
}

/** The report as a markdown block, warnings included, ready to paste into a pull request. */
export function renderMarkdown(result: ExplainResult): string {
  const lines = ['### vrss-db explain', '']
  for (const warning of result.warnings) lines.push(`> ⚠️ ${warning}`, '')
  const replica = result.replica !== undefined
  lines.push(
    `| query | subject | p50 | p95 | max |${replica ? ' replica p50 | replica p95 | replica max | replica result |' : ''} target | result | plan |`,
    `|---|---|---:|---:|---:|${replica ? '---:|---:|---:|---|' : ''}---:|---|---|`,
  )
  for (const t of result.timings) {
    const r = t.replica
    const onReplica = replica
      ? r
        ? ` ${r.p50} ms | ${r.p95} ms | ${r.max} ms | ${markdownVerdict({ ...t, pass: r.pass })} |`
        : ' | | | |'
      : ''
    lines.push(
      `| ${t.query} | ${t.subject} | ${t.p50} ms | ${t.p95} ms | ${t.max} ms |${onReplica} < ${t.targetMs} ms | ${markdownVerdict(t)} | ${planLine(t.plan)} |`,
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
    `${result.runs} runs per query${onReplica(result)}; tables: ${result.tables.map((t) => `${t.table} ~${t.rows}`).join(', ')}`,
  )
  return lines.join('\n')
}
