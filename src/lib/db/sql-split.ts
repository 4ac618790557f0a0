/**
 * Splits a SQL file into statements so that the migration runner can run them one by one and
 * report the file and line of the one that failed. Understands what can hide a semicolon:
 * '…' and E'…' strings, "…" identifiers, -- and nested block comments, and $tag$ … $tag$ bodies.
 */

export interface SqlStatement {
  sql: string
  /** 1-based line of the statement's first non-blank character in the file. */
  line: number
}

export function splitStatements(text: string): SqlStatement[] {
  const statements: SqlStatement[] = []
  let start = 0
  let i = 0
  const push = (end: number) => {
    const raw = text.slice(start, end)
    const code = firstCodeIndex(raw)
    if (code !== -1)
      statements.push({ sql: raw.slice(code).trim(), line: lineAt(text, start + code) })
    start = end + 1
  }
  while (i < text.length) {
    const ch = text[i]
    const next = text[i + 1]
    if (ch === '-' && next === '-') i = skipLineComment(text, i)
    else if (ch === '/' && next === '*') i = skipBlockComment(text, i)
    else if (ch === "'") i = skipQuoted(text, i, "'", isEscapeString(text, i))
    else if (ch === '"') i = skipQuoted(text, i, '"', false)
    else if (ch === '$' && dollarTagAt(text, i)) i = skipDollarQuoted(text, i)
    else if (ch === ';') {
      push(i)
      i++
    } else i++
  }
  push(text.length)
  return statements
}

/** Where the first character that is neither blank nor comment is; -1 when there is none. */
function firstCodeIndex(text: string): number {
  let i = 0
  while (i < text.length) {
    const ch = text[i]
    if (ch === '-' && text[i + 1] === '-') i = skipLineComment(text, i)
    else if (ch === '/' && text[i + 1] === '*') i = skipBlockComment(text, i)
    else if (/\s/.test(ch ?? '')) i++
    else return i
  }
  return -1
}

export function lineAt(text: string, index: number): number {
  let line = 1
  for (let i = 0; i < index && i < text.length; i++) if (text[i] === '\n') line++
  return line
}

function skipLineComment(text: string, i: number): number {
  const end = text.indexOf('\n', i)
  return end === -1 ? text.length : end + 1
}

function skipBlockComment(text: string, i: number): number {
  let depth = 0
  let j = i
  while (j < text.length) {
    if (text[j] === '/' && text[j + 1] === '*') {
      depth++
      j += 2
    } else if (text[j] === '*' && text[j + 1] === '/') {
      depth--
      j += 2
      if (depth === 0) return j
    } else j++
  }
  return text.length
}

function isEscapeString(text: string, quote: number): boolean {
  const prev = text[quote - 1]
  const beforePrev = text[quote - 2] ?? ' '
  return (prev === 'E' || prev === 'e') && !/[A-Za-z0-9_]/.test(beforePrev)
}

function skipQuoted(text: string, i: number, quote: string, backslashEscapes: boolean): number {
  let j = i + 1
  while (j < text.length) {
    const ch = text[j]
    if (backslashEscapes && ch === '\\') j += 2
    else if (ch === quote && text[j + 1] === quote) j += 2
    else if (ch === quote) return j + 1
    else j++
  }
  return text.length
}

function dollarTagAt(text: string, i: number): string | undefined {
  // A $ right after an identifier character is part of a name (e.g. x$1) or a parameter.
  if (i > 0 && /[A-Za-z0-9_]/.test(text[i - 1] ?? '')) return undefined
  const match = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 64))
  return match ? match[0] : undefined
}

function skipDollarQuoted(text: string, i: number): number {
  const tag = dollarTagAt(text, i) as string
  const end = text.indexOf(tag, i + tag.length)
  return end === -1 ? text.length : end + tag.length
}
