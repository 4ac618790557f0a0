/**
 * The lock trace as table rows (one per lock) and as Markdown for a pull request. Pure
 * functions: the command prints what they return.
 */
import { briefBlockedBy } from './lock-modes.js'
import type { TracedLock, TracedStatement, TraceResult } from './trace.js'

/** The relation comes last: on a terminal the last column is the one that wraps. */
export const TRACE_HEAD = ['line', 'statement', 'ms', 'lock', 'blocks', 'on']

/** `brief` for a terminal (what waits, in a word or two); the full sentence for Markdown. */
export type TraceStyle = 'brief' | 'full'

function blocks(lock: TracedLock, style: TraceStyle): string {
  if (style === 'full') return lock.blocks
  return lock.created ? 'nobody (new)' : briefBlockedBy(lock.mode)
}

function on(lock: TracedLock, rewritten: readonly string[]): string {
  const flags = [
    lock.kind === 'view' ? ' (view)' : '',
    lock.created ? ' [new]' : '',
    rewritten.includes(lock.relation) ? ' [rewritten]' : '',
  ]
  return `${lock.relation}${flags.join('')}`
}

function statementCell(s: TracedStatement, style: TraceStyle): string {
  const max = style === 'brief' ? 34 : 60
  return s.statement.length > max ? `${s.statement.slice(0, max - 3)}...` : s.statement
}

/**
 * Rows of one phase, one per table lock (index locks follow their table's and are in --json);
 * a statement's first row carries its line, text and time.
 */
export function traceRows(
  statements: readonly TracedStatement[],
  style: TraceStyle = 'brief',
): string[][] {
  const rows: string[][] = []
  for (const s of statements) {
    const first = [String(s.line), statementCell(s, style), s.ms.toFixed(1)]
    const locks = s.locks.filter((l) => l.kind !== 'index' && l.kind !== 'sequence')
    if (locks.length === 0) rows.push([...first, '-', '-', '-'])
    locks.forEach((lock, i) => {
      rows.push([
        ...(i === 0 ? first : ['', '', '']),
        lock.mode,
        blocks(lock, style),
        on(lock, s.rewritten),
      ])
    })
  }
  return rows
}

export function phaseTitle(p: TraceResult['phases'][number]): string {
  const how = p.transactional
    ? 'one transaction: locks are held until COMMIT'
    : 'no transaction: each statement releases its locks when it ends (sampled while it runs)'
  return `${p.file} (${how})`
}

/** A transactional phase: what the existing tables wait for until its COMMIT. */
export function heldText(p: TraceResult['phases'][number]): string | undefined {
  const held = p.heldUntilCommit.filter((l) => !l.created && l.kind === 'table')
  if (!p.transactional || held.length === 0) return undefined
  return `Held until COMMIT: ${held.map((l) => `${l.mode} on ${l.relation}`).join(', ')}.`
}

export function nothingPendingText(result: TraceResult): string {
  return `Nothing to trace: no phase is pending on ${result.target}. Trace an applied one with --phase N.`
}

const cell = (text: string) => text.replace(/\|/g, '\\|')

export function traceMarkdown(result: TraceResult): string {
  const lines = ['### vrss-db migrate trace', '']
  if (result.nothingPending) return [...lines, nothingPendingText(result)].join('\n')
  for (const phase of result.phases) {
    lines.push(`**${phaseTitle(phase)}**`, '')
    lines.push(`| ${TRACE_HEAD.join(' | ')} |`, `|${TRACE_HEAD.map(() => '---').join('|')}|`)
    for (const row of traceRows(phase.statements, 'full')) {
      lines.push(
        `| ${row.map((c, i) => (i === 1 && c ? `\`${cell(c)}\`` : cell(c))).join(' | ')} |`,
      )
    }
    lines.push('')
  }
  return lines.join('\n').trimEnd()
}
