/**
 * The statements the lint looks at: those of the file (splitStatements, with their lines), and
 * the DDL inside `do $$ … $$` blocks, which runs when the phase runs (phase 007 does all its
 * work in such blocks). Function bodies are not looked into: they run later, not now.
 */
import { lineAt, splitStatements } from '../../db/sql-split.js'
import { headOf, squash } from './sql-text.js'

export interface Suppression {
  rule: string
  reason: string
}

export interface LintStatement {
  /** 1-based line of the statement's first character in the file. */
  line: number
  /** The statement as written (comments inside kept). */
  sql: string
  /** Comments removed, whitespace collapsed: what rules match. */
  text: string
  head: string
  /** `-- vrss-db:lint-ignore <rule> <reason>` comments right above it. */
  ignores: Suppression[]
  /** Inside a DO block (runs as part of the block's statement). */
  inDo: boolean
}

const IGNORE = /^\s*--\s*vrss-db:lint-ignore\s+([a-z0-9-]+)\s*(.*)$/

/** A DDL statement starting inside a PL/pgSQL body (after `begin`, `then`, `loop` …). */
const INNER_DDL =
  /(?:^\s*|\b(?:begin|then|loop|else)\s+)((?:alter|create|drop|reindex|set|reset|perform|lock|refresh|comment|truncate|cluster|vacuum)\b[\s\S]*)$/im

export function lintStatements(text: string): LintStatement[] {
  const lines = text.split('\n')
  const found: LintStatement[] = []
  for (const statement of splitStatements(text)) {
    found.push(make(statement.sql, statement.line, lines, false))
    const body = doBody(statement.sql)
    if (!body) continue
    const bodyStart = text.indexOf(body.text, lineStart(text, statement.line))
    for (const inner of splitStatements(body.text)) {
      const ddl = INNER_DDL.exec(inner.sql)
      if (!ddl) continue
      const offset = bodyStart + body.text.indexOf(inner.sql) + inner.sql.indexOf(ddl[1] as string)
      found.push(make(ddl[1] as string, lineAt(text, offset), lines, true))
    }
  }
  return found
}

function make(sql: string, line: number, lines: string[], inDo: boolean): LintStatement {
  return {
    line,
    sql,
    text: squash(sql),
    head: headOf(sql),
    ignores: ignoresAbove(lines, line),
    inDo,
  }
}

/** The body of `do [language x] $tag$ … $tag$`, or undefined. */
function doBody(sql: string): { text: string } | undefined {
  const match = /^do\s+(?:language\s+\w+\s+)?(\$[A-Za-z_]*\$)/i.exec(sql)
  if (!match) return undefined
  const tag = match[1] as string
  const start = (match.index ?? 0) + match[0].length
  const end = sql.indexOf(tag, start)
  return { text: sql.slice(start, end === -1 ? sql.length : end) }
}

function lineStart(text: string, line: number): number {
  let index = 0
  for (let l = 1; l < line; l++) index = text.indexOf('\n', index) + 1
  return index
}

/** The suppression comments in the block of comment lines right above `line`. */
function ignoresAbove(lines: string[], line: number): Suppression[] {
  const ignores: Suppression[] = []
  for (let i = line - 2; i >= 0; i--) {
    const current = (lines[i] as string).trim()
    if (!current.startsWith('--')) break
    const match = IGNORE.exec(current)
    if (match) ignores.push({ rule: match[1] as string, reason: (match[2] as string).trim() })
  }
  return ignores
}
