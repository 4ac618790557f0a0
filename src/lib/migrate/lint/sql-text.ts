/**
 * Small text helpers the lint rules read statements with. They are not a SQL parser: they
 * understand what the phase files of VRSS are written with (one DDL statement at a time,
 * names plain or "quoted") and fall silent rather than guess on anything else.
 */

/** Removes -- and block comments outside quotes, so a commented-out word never matches. */
export function stripComments(sql: string): string {
  let out = ''
  let i = 0
  while (i < sql.length) {
    const ch = sql[i] as string
    const next = sql[i + 1]
    if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i)
      i = end === -1 ? sql.length : end
    } else if (ch === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2)
      i = end === -1 ? sql.length : end + 2
      out += ' '
    } else if (ch === "'" || ch === '"') {
      const end = closingQuote(sql, i, ch)
      out += sql.slice(i, end)
      i = end
    } else if (ch === '$' && /^\$[A-Za-z_]*\$/.test(sql.slice(i, i + 64))) {
      const tag = (/^\$[A-Za-z_]*\$/.exec(sql.slice(i, i + 64)) as RegExpExecArray)[0]
      const end = sql.indexOf(tag, i + tag.length)
      const stop = end === -1 ? sql.length : end + tag.length
      out += sql.slice(i, stop)
      i = stop
    } else {
      out += ch
      i++
    }
  }
  return out
}

function closingQuote(sql: string, start: number, quote: string): number {
  let j = start + 1
  while (j < sql.length) {
    if (sql[j] === quote && sql[j + 1] === quote) j += 2
    else if (sql[j] === quote) return j + 1
    else j++
  }
  return sql.length
}

/** One line, single spaces: what the rules match against (comments already removed). */
export function squash(sql: string): string {
  return stripComments(sql).replace(/\s+/g, ' ').trim()
}

/** A name as PostgreSQL stores it: "Quoted" kept, plain folded to lower case, schema dropped. */
export function identifier(raw: string): string {
  const parts = raw.trim().match(/"(?:[^"]|"")*"|[^."]+/g) ?? [raw]
  const last = (parts[parts.length - 1] as string).trim()
  return last.startsWith('"') ? last.slice(1, -1).replace(/""/g, '"') : last.toLowerCase()
}

/** A (possibly schema-qualified, possibly quoted) name, as a regular expression source. */
export const NAME = String.raw`(?:(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)\.)?(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)`

/** Splits "a, f(x, y), b" at the commas outside parentheses and quotes. */
export function splitTopLevel(list: string): string[] {
  const parts: string[] = []
  let depth = 0
  let current = ''
  let quote: string | undefined
  for (const ch of list) {
    if (quote) {
      if (ch === quote) quote = undefined
    } else if (ch === "'" || ch === '"') quote = ch
    else if (ch === '(') depth++
    else if (ch === ')') depth--
    if (ch === ',' && depth === 0 && !quote) {
      parts.push(current.trim())
      current = ''
    } else current += ch
  }
  if (current.trim()) parts.push(current.trim())
  return parts
}

export interface AlterTable {
  table: string
  /** Each comma-separated action, squashed ("add column x int", "alter column y set not null"). */
  actions: string[]
}

const ALTER_TABLE = new RegExp(
  String.raw`^alter table (?:if exists )?(?:only )?(${NAME})\s*\*? (.*)$`,
  'i',
)

/** ALTER TABLE t action, action …; undefined for any other statement. */
export function parseAlterTable(squashed: string): AlterTable | undefined {
  const match = ALTER_TABLE.exec(squashed)
  if (!match) return undefined
  return { table: identifier(match[1] as string), actions: splitTopLevel(match[2] as string) }
}

/** The statement's first line, for a finding (long lines cut). */
export function headOf(sql: string): string {
  const first = sql.split('\n')[0]?.trim() ?? ''
  return first.length > 100 ? `${first.slice(0, 97)}...` : first
}
