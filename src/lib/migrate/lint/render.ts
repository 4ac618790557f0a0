/**
 * The lint's result as text for a terminal and as Markdown for a pull request. Pure functions:
 * the command prints what they return.
 */
import type { LintFinding, LintResult } from './lint.js'

export function lintSummary(result: LintResult): string {
  const counted =
    result.findings.length === 0
      ? 'no findings'
      : `${plural(result.errors, 'error')}, ${plural(result.warnings, 'warning')}`
  const byBaseline = result.accepted.filter((f) => f.accepted?.by === 'baseline').length
  const byComment = result.accepted.length - byBaseline
  const accepted = [
    byBaseline ? `${byBaseline} accepted in the baseline` : '',
    byComment ? `${byComment} suppressed by lint-ignore comments` : '',
  ].filter(Boolean)
  return `Linted ${plural(result.files.length, 'phase file')}: ${counted}${accepted.length ? ` (${accepted.join(', ')})` : ''}.`
}

/** One block per finding: where, rule, the statement, why, the safe rewrite. */
export function lintText(result: LintResult): string[] {
  const lines: string[] = []
  for (const f of result.findings) {
    lines.push(`${f.file}:${f.line}  ${f.severity}  ${f.rule}${f.table ? `  (${f.table})` : ''}`)
    lines.push(`  ${f.statement}`)
    lines.push(`  why:  ${f.why}`)
    lines.push(`  safe: ${f.fix}`)
    lines.push('')
  }
  lines.push(lintSummary(result))
  return lines
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ')

export function lintMarkdown(result: LintResult): string {
  const lines = ['### vrss-db migrate lint', '', lintSummary(result)]
  if (result.findings.length > 0) {
    lines.push(
      '',
      '| | Rule | Where | Statement | Why | Safe rewrite |',
      '|---|---|---|---|---|---|',
    )
    for (const f of result.findings) lines.push(markdownRow(f))
  }
  return lines.join('\n')
}

function markdownRow(f: LintFinding): string {
  const mark = f.severity === 'error' ? '❌ error' : '⚠️ warning'
  return `| ${mark} | \`${f.rule}\` | \`${f.file}:${f.line}\` | \`${cell(f.statement)}\` | ${cell(f.why)} | ${cell(f.fix)} |`
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}
