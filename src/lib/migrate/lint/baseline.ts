/**
 * Findings accepted in phases that already shipped. Their files cannot change (production has
 * their checksums), so each accepted finding is recorded once, reviewed, with the reason, in
 * src/sql/migrations/lint-baseline.json; the lint over the embedded phases is then clean, and
 * a new finding in any phase still fails it.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { sqlDir } from '../../db/sql-files.js'
import { squash } from './sql-text.js'

export interface BaselineEntry {
  phase: number
  rule: string
  /** fingerprintOf(statement): the statement, not its line, so a moved comment keeps it. */
  fingerprint: string
  /** The statement's first line, for the reviewer. */
  statement: string
  reason: string
}

/** A short hash of the statement's text without comments and with whitespace collapsed. */
export function fingerprintOf(sql: string): string {
  return createHash('sha256').update(squash(sql).toLowerCase(), 'utf8').digest('hex').slice(0, 16)
}

export function defaultBaselineFile(): string {
  return join(sqlDir(), 'migrations', 'lint-baseline.json')
}

export function loadBaseline(file: string = defaultBaselineFile()): BaselineEntry[] {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { accepted?: BaselineEntry[] }
  return parsed.accepted ?? []
}

export function findInBaseline(
  baseline: readonly BaselineEntry[],
  finding: { phase?: number; rule: string; fingerprint: string },
): BaselineEntry | undefined {
  return baseline.find(
    (e) =>
      e.phase === finding.phase && e.rule === finding.rule && e.fingerprint === finding.fingerprint,
  )
}
