/**
 * Small presentation helpers shared by the commands' human output.
 */
import { createRequire } from 'node:module'
import type CliTable from 'cli-table3'
import type { Output } from './output.js'

// Loaded on first use so that startup (`--help`) does not pay for it.
const require = createRequire(import.meta.url)

export function renderTable(head: string[], rows: string[][], out: Output): string {
  const Table = require('cli-table3') as typeof CliTable
  const table = new Table({
    head: head.map((h) => out.color.bold(h)),
    style: { head: [], border: [] },
    chars: out.colorEnabled ? {} : { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  })
  table.push(...rows)
  return table.toString()
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
