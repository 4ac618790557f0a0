/**
 * Small presentation helpers shared by the commands' human output.
 */
import { stripVTControlCharacters } from 'node:util'
import type { Output } from './output.js'

/** Widest a table gets: the terminal's width (80–120 columns), else 120 (logs, pipes). */
const MIN_WIDTH = 80
const MAX_WIDTH = 120

/**
 * One table style everywhere, on a terminal or not: a box, a line under the header, no lines
 * between rows. When the table would be wider than the terminal (80–120 columns), the last
 * column — the free text: plans, examples — wraps onto more lines.
 */
export function renderTable(head: string[], rows: string[][], out: Output): string {
  const width = (text: string) => stripVTControlCharacters(text).length
  const columns = head.length
  const widths = head.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))))
  const limit = Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, out.columns ?? MAX_WIDTH))
  // Borders and padding take 3 characters a column, plus one.
  const fixed = widths.slice(0, -1).reduce((sum, w) => sum + w + 3, 4)
  const last = columns - 1
  widths[last] = Math.min(widths[last] as number, Math.max(10, limit - fixed))
  const pad = (text: string, w: number) => text + ' '.repeat(Math.max(0, w - width(text)))
  const line = (cells: string[]) =>
    `│ ${cells.map((c, i) => pad(c, widths[i] as number)).join(' │ ')} │`
  const rule = (left: string, mid: string, right: string) =>
    `${left}${widths.map((w) => '─'.repeat(w + 2)).join(mid)}${right}`
  const lines = [rule('┌', '┬', '┐'), line(head.map((h) => out.color.bold(h))), rule('├', '┼', '┤')]
  for (const row of rows) {
    const wrapped = wrap(row[last] ?? '', widths[last] as number)
    wrapped.forEach((part, k) => {
      lines.push(line(row.map((cell, i) => (i === last ? part : k === 0 ? cell : ''))))
    })
  }
  lines.push(rule('└', '┴', '┘'))
  return lines.join('\n')
}

/** Breaks plain text into lines of at most `max` characters, at spaces where it can. */
export function wrap(text: string, max: number): string[] {
  if (stripVTControlCharacters(text).length <= max) return [text]
  const plain = stripVTControlCharacters(text)
  const parts: string[] = []
  let rest = plain
  while (rest.length > max) {
    let cut = rest.lastIndexOf(' ', max)
    if (cut <= 0) cut = max
    parts.push(rest.slice(0, cut).trimEnd())
    rest = rest.slice(cut).trimStart()
  }
  if (rest) parts.push(rest)
  return parts
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`
}

export function formatMs(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`
  if (ms < 100) return `${ms.toFixed(1)} ms`
  if (ms < 10_000) return `${Math.round(ms)} ms`
  return `${(ms / 1000).toFixed(1)} s`
}
