/**
 * Names in SQL text: quoting an identifier the way PostgreSQL needs it, and removing a schema
 * qualifier from what the server prints, so catalogs of differently named schemas compare.
 */

/**
 * Removes the qualifier `schema.` (quoted or not) from SQL text printed by the server, outside
 * string literals and quoted identifiers: pg_get_indexdef and pg_get_triggerdef always qualify
 * the table, whatever the search_path.
 */
export function unqualify(text: string, schema: string): string {
  const prefixes = [`${quoteIdent(schema)}.`, `"${schema.replace(/"/g, '""')}".`]
  let out = ''
  let i = 0
  while (i < text.length) {
    const ch = text[i] as string
    if (ch === "'" || ch === '"') {
      const end = closingQuote(text, i)
      const prefix = ch === '"' && prefixes.find((p) => text.startsWith(p, i))
      if (prefix && atWordStart(text, i)) {
        i += prefix.length
        continue
      }
      out += text.slice(i, end)
      i = end
      continue
    }
    const prefix = atWordStart(text, i) && prefixes.find((p) => text.startsWith(p, i))
    if (prefix) {
      i += prefix.length
      continue
    }
    out += ch
    i++
  }
  return out
}

/** The index just past the quote closing the literal or identifier opened at `start`. */
function closingQuote(text: string, start: number): number {
  const quote = text[start]
  let i = start + 1
  while (i < text.length) {
    if (text[i] === quote) {
      if (text[i + 1] === quote) i += 2
      else return i + 1
    } else i++
  }
  return text.length
}

function atWordStart(text: string, i: number): boolean {
  return i === 0 || !/[\w$."]/.test(text[i - 1] as string)
}

/**
 * Quotes an identifier when PostgreSQL needs it: anything but lower-case letters, digits, _
 * and $ (not first), or a reserved key word.
 */
export function quoteIdent(name: string): string {
  if (/^[a-z_][a-z0-9_$]*$/.test(name) && !RESERVED.has(name)) return name
  return `"${name.replace(/"/g, '""')}"`
}

// PostgreSQL's reserved key words and those that cannot be a function or type name (the
// "reserved" and "reserved (can be function or type)" columns of the key word appendix).
const RESERVED = new Set(
  `all analyse analyze and any array as asc asymmetric authorization binary both case cast check
  collate collation column concurrently constraint create cross current_catalog current_date
  current_role current_schema current_time current_timestamp current_user default deferrable
  desc distinct do else end except false fetch for foreign freeze from full grant group having
  ilike in initially inner intersect into is isnull join lateral leading left like limit
  localtime localtimestamp natural not notnull null offset on only or order outer overlaps
  placing primary references returning right select session_user similar some symmetric
  system_user table tablesample then to trailing true union unique user using variadic verbose
  when where window with`.split(/\s+/),
)
