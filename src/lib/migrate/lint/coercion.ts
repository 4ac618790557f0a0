/**
 * Which ALTER COLUMN … TYPE changes PostgreSQL makes in the catalog only (the stored bytes
 * stay valid, so no rewrite and no index rebuild) — every other change rewrites the table and
 * its indexes under ACCESS EXCLUSIVE.
 */

interface ParsedType {
  base: string
  /** Type modifiers: (n) of varchar, (p, s) of numeric; empty = unconstrained. */
  mods: number[]
}

const ALIASES: Record<string, string> = {
  'character varying': 'varchar',
  character: 'bpchar',
  char: 'bpchar',
  int: 'int4',
  integer: 'int4',
  int4: 'int4',
  smallint: 'int2',
  bigint: 'int8',
  decimal: 'numeric',
  'bit varying': 'varbit',
  'timestamp without time zone': 'timestamp',
  'timestamp with time zone': 'timestamptz',
  'time without time zone': 'time',
  'time with time zone': 'timetz',
  'double precision': 'float8',
  real: 'float4',
  bool: 'boolean',
}

export function parseType(text: string): ParsedType {
  const clean = text.trim().toLowerCase().replace(/\s+/g, ' ')
  // "timestamp(3) with time zone": the modifier sits in the middle.
  const match = /^([a-z_ ."]+?)\s*(?:\(([\d,\s]+)\))?((?: with(?:out)? time zone)?)$/.exec(clean)
  if (!match) return { base: clean, mods: [] }
  const name = `${(match[1] as string).trim()}${match[3] ?? ''}`
  const mods = match[2] ? match[2].split(',').map((n) => Number(n.trim())) : []
  return { base: ALIASES[name] ?? name, mods }
}

/** Types whose only modifier is a length or precision that may only grow. */
const GROWABLE = new Set(['varchar', 'varbit', 'timestamp', 'timestamptz', 'time', 'interval'])

/** Whether changing a column from `from` to `to` leaves the table as it is. */
export function isBinaryCoercible(from: string, to: string): boolean {
  const a = parseType(from)
  const b = parseType(to)
  if (a.base === b.base && a.mods.join() === b.mods.join()) return true
  if (a.base === 'varchar' && b.base === 'text') return true
  if (a.base === 'text' && b.base === 'varchar' && b.mods.length === 0) return true
  if (a.base === 'cidr' && b.base === 'inet') return true
  if (a.base !== b.base) return false
  if (b.mods.length === 0) return true // the limit is removed
  if (a.mods.length === 0) return false // a limit is added: every row must be checked
  if (GROWABLE.has(a.base)) return (b.mods[0] as number) >= (a.mods[0] as number)
  if (a.base === 'numeric') {
    // numeric(p, s) → numeric(p', s): more digits before the point, same scale.
    const [p, s = 0] = a.mods as [number, number?]
    const [p2, s2 = 0] = b.mods as [number, number?]
    return s2 === s && p2 >= p
  }
  return false
}
