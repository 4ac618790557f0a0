/**
 * bench's result as text: the terminal table and the markdown table to paste into a pull
 * request or the README. Pure: the command prints what these return.
 */

import { comparisonText } from '../explain/report.js'
import type { Output } from '../ui/output.js'
import { formatMs, renderTable } from '../ui/render.js'
import type { BenchResult, WorkloadResult } from './run.js'

const tps = (n: number) => Math.round(n).toLocaleString('en-US')
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`
const hot = (share: number | null) => (share === null ? '—' : `${Math.round(share * 100)}%`)

/** Per workload: WAL per transaction with triggers and on the floor, posts updates and HOT share. */
function profileRows(result: BenchResult): string[][] {
  return result.workloads.map((w) => [
    w.workload,
    kb(w.profile.triggers.walBytesPerTx),
    kb(w.profile.floor.walBytesPerTx),
    w.profile.triggers.postsUpdates.toLocaleString('en-US'),
    hot(w.profile.triggers.hotShare),
  ])
}

const PROFILE_HEADER = ['workload', 'WAL/tx', 'floor WAL/tx', 'posts updates', 'HOT']

function errors(w: WorkloadResult): string {
  const m = w.triggers
  const parts = [
    m.deadlocks ? `${m.deadlocks} deadlocks` : '',
    m.serialization ? `${m.serialization} serialization` : '',
    m.otherErrors ? `${m.otherErrors} other` : '',
  ].filter(Boolean)
  return parts.join(', ') || '0'
}

function header(result: BenchResult): string {
  const seconds = result.durationMs / 1000
  return `${seconds} s per copy, ${result.data.users.toLocaleString('en-US')} users / ${result.data.posts.toLocaleString('en-US')} posts, driver: ${result.driverNote}, on ${result.target}`
}

export function renderBenchTable(result: BenchResult, out: Output): string {
  const c = out.color
  const table = renderTable(
    ['workload', 'clients', 'tps', 'p50', 'p95', 'p99', 'errors', 'floor tps', 'ratio', 'counters'],
    result.workloads.map((w) => [
      w.workload,
      String(w.clients),
      tps(w.triggers.tps),
      formatMs(w.triggers.p50),
      formatMs(w.triggers.p95),
      formatMs(w.triggers.p99),
      errors(w),
      tps(w.floor.tps),
      w.ratio.toFixed(2),
      w.exact ? c.green('exact') : c.red(`${w.drifted} drifted`),
    ]),
    out,
  )
  const profile = renderTable(PROFILE_HEADER, profileRows(result), out)
  const lines = [table, header(result), '', 'Where the time goes (triggers copy):', profile]
  for (const failure of result.failed) lines.push(c.red(`FAIL ${failure}`))
  if (result.comparison) lines.push(comparisonText(result.comparison))
  return lines.join('\n')
}

export function renderBenchMarkdown(result: BenchResult): string {
  const lines = [
    '| workload | clients | tps | p50 ms | p95 ms | p99 ms | errors | floor tps | ratio | counters |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...result.workloads.map(
      (w) =>
        `| ${w.workload} | ${w.clients} | ${tps(w.triggers.tps)} | ${w.triggers.p50} | ${w.triggers.p95} | ${w.triggers.p99} | ${errors(w)} | ${tps(w.floor.tps)} | ${w.ratio.toFixed(2)} | ${w.exact ? 'exact' : `${w.drifted} drifted`} |`,
    ),
    '',
    `_${header(result)}_`,
    '',
    `| ${PROFILE_HEADER.join(' | ')} |`,
    `|${PROFILE_HEADER.map(() => '---').join('|')}|`,
    ...profileRows(result).map((row) => `| ${row.join(' | ')} |`),
  ]
  return lines.join('\n')
}
