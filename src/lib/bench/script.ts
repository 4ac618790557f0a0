/**
 * The subset of pgbench's script language the bench scripts use, for the built-in driver:
 * `\set name random(lo, hi)` (bounds: integers or :variables), SQL commands ending in `;`, and
 * a command ending in `\gset` whose result row's columns become variables. `:name` in SQL
 * becomes a bind parameter, as pgbench -M prepared does.
 */
import { loadSql } from '../db/sql-files.js'
import type { Random } from '../random.js'

export interface SetStep {
  kind: 'set'
  name: string
  lo: string
  hi: string
}

export interface SqlStep {
  kind: 'sql'
  text: string
  /** Variable names, in $1, $2 … order. */
  params: string[]
  gset: boolean
}

export type Step = SetStep | SqlStep

const SET = /^\\set\s+([a-z_][a-z0-9_]*)\s+random\(\s*(:?[a-z0-9_]+)\s*,\s*(:?[a-z0-9_]+)\s*\)\s*$/i
const VARIABLE = /(?<!:):([a-z_][a-z0-9_]*)/gi

export function parseScript(text: string): Step[] {
  const steps: Step[] = []
  let pending = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('--')) continue
    if (line.startsWith('\\')) {
      const set = SET.exec(line)
      if (!set) throw new Error(`bench script: unsupported meta-command: ${line}`)
      steps.push({
        kind: 'set',
        name: set[1] as string,
        lo: set[2] as string,
        hi: set[3] as string,
      })
      continue
    }
    pending = pending ? `${pending} ${line}` : line
    const gset = pending.endsWith('\\gset')
    if (gset || pending.endsWith(';')) {
      steps.push(sqlStep(pending.replace(/\s*(\\gset|;)$/, ''), gset))
      pending = ''
    }
  }
  if (pending) throw new Error(`bench script: unterminated command: ${pending}`)
  return steps
}

function sqlStep(text: string, gset: boolean): SqlStep {
  const params: string[] = []
  const bound = text.replace(VARIABLE, (_, name: string) => {
    let index = params.indexOf(name)
    if (index < 0) index = params.push(name) - 1
    return `$${index + 1}`
  })
  return { kind: 'sql', text: bound, params, gset }
}

export function loadScript(file: string): Step[] {
  return parseScript(loadSql(`bench/${file}`))
}

function tokenValue(token: string, variables: Map<string, number>): number {
  if (!token.startsWith(':')) return Number(token)
  const value = variables.get(token.slice(1))
  if (value === undefined) throw new Error(`bench script: undefined variable ${token}`)
  return value
}

/** Applies a \set step. */
export function applySet(step: SetStep, variables: Map<string, number>, random: Random): void {
  variables.set(
    step.name,
    random.int(tokenValue(step.lo, variables), tokenValue(step.hi, variables)),
  )
}

export function paramsOf(step: SqlStep, variables: Map<string, number>): number[] {
  return step.params.map((name) => tokenValue(`:${name}`, variables))
}
