/**
 * The core of `vrss-db migrate lint`: static rules over phase files, statement by statement,
 * with the schema the earlier phases built in mind. Needs no database; never prints.
 */
import { ExitCode } from '../../errors.js'
import type { Migration } from '../files.js'
import type { ApiUses } from './api-uses.js'
import { type BaselineEntry, findInBaseline, fingerprintOf } from './baseline.js'
import type { Rule, RuleFinding } from './rule.js'
import {
  addColumnRequired,
  constraintNotValid,
  constraintNotValidated,
  setNotNull,
  typeRewrite,
  volatileDefault,
} from './rules-alter.js'
import {
  concurrentlyInTransaction,
  concurrentNotIdempotent,
  indexNotConcurrent,
} from './rules-index.js'
import { breaksPreviousRelease, lockTimeoutOverride } from './rules-release.js'
import { SchemaState } from './schema-state.js'
import { type LintStatement, lintStatements } from './statements.js'

export const RULES: readonly Rule[] = [
  indexNotConcurrent,
  concurrentlyInTransaction,
  concurrentNotIdempotent,
  volatileDefault,
  constraintNotValid,
  constraintNotValidated,
  setNotNull,
  typeRewrite,
  breaksPreviousRelease,
  addColumnRequired,
  lockTimeoutOverride,
]

export interface PhaseFile {
  /** As shown in findings (src/sql/migrations/005_feed.sql, or the path given). */
  file: string
  text: string
  transactional: boolean
  /** The embedded phase's number; the baseline applies to embedded phases only. */
  phase?: number
}

export interface LintFinding extends RuleFinding {
  file: string
  line: number
  statement: string
  phase?: number
  fingerprint: string
  /** Why it is accepted: a lint-ignore comment's or the baseline's reason. */
  accepted?: { by: 'comment' | 'baseline'; reason: string }
}

export interface LintOptions {
  /** Phases applied before the linted ones: their schema is known, their findings not reported. */
  before: readonly PhaseFile[]
  files: readonly PhaseFile[]
  uses: ApiUses
  baseline: readonly BaselineEntry[]
}

export interface LintResult {
  files: string[]
  /** Findings that count (not accepted). */
  findings: LintFinding[]
  accepted: LintFinding[]
  /** Baseline entries of linted phases that match nothing any more. */
  staleBaseline: BaselineEntry[]
  errors: number
  warnings: number
  exitCode: ExitCode
}

export function lintPhases(options: LintOptions): LintResult {
  const state = new SchemaState()
  for (const phase of options.before) {
    state.startPhase()
    for (const statement of lintStatements(phase.text)) state.apply(statement.text)
  }
  const all = options.files.flatMap((phase) => lintPhase(phase, state, options))
  const findings = all.filter((f) => !f.accepted)
  const errors = findings.filter((f) => f.severity === 'error').length
  const linted = new Set(options.files.map((f) => f.phase))
  const used = new Set(all.map((f) => `${f.phase}:${f.rule}:${f.fingerprint}`))
  return {
    files: options.files.map((f) => f.file),
    findings,
    accepted: all.filter((f) => f.accepted),
    staleBaseline: options.baseline.filter(
      (e) => linted.has(e.phase) && !used.has(`${e.phase}:${e.rule}:${e.fingerprint}`),
    ),
    errors,
    warnings: findings.length - errors,
    exitCode: errors > 0 ? ExitCode.checkFailed : ExitCode.ok,
  }
}

/** DO blocks are linted through their inner statements, functions not at all (they run later). */
const NOT_RUN_NOW = /^(?:do |create (?:or replace )?(?:function|procedure) )/i

function lintPhase(phase: PhaseFile, state: SchemaState, options: LintOptions): LintFinding[] {
  state.startPhase()
  const statements = lintStatements(phase.text)
  const findings: LintFinding[] = []
  statements.forEach((statement, index) => {
    if (!NOT_RUN_NOW.test(statement.text)) {
      const rest = statements.slice(index + 1)
      for (const rule of RULES) {
        const input = {
          statement,
          state,
          transactional: phase.transactional,
          rest,
          uses: options.uses,
        }
        for (const found of rule.check(input))
          findings.push(locate(found, phase, statement, options))
      }
    }
    state.apply(statement.text)
  })
  return findings
}

function locate(
  found: RuleFinding,
  phase: PhaseFile,
  statement: LintStatement,
  options: LintOptions,
): LintFinding {
  const finding: LintFinding = {
    ...found,
    file: phase.file,
    line: statement.line,
    statement: statement.head,
    phase: phase.phase,
    fingerprint: fingerprintOf(statement.sql),
  }
  // A suppression without its reason does not count: the reason is what a reviewer reads.
  const ignore = statement.ignores.find((i) => i.rule === found.rule && i.reason !== '')
  if (ignore) return { ...finding, accepted: { by: 'comment', reason: ignore.reason } }
  const entry = phase.phase === undefined ? undefined : findInBaseline(options.baseline, finding)
  return entry ? { ...finding, accepted: { by: 'baseline', reason: entry.reason } } : finding
}

export function phaseFileOf(migration: Migration): PhaseFile {
  return {
    file: migration.file,
    text: migration.up,
    transactional: migration.transactional,
    phase: migration.version,
  }
}
