/**
 * Drift, as pure functions: two catalog snapshots (what a fresh apply of the phases gives, and
 * the live database) turned into flat objects with named attributes, and every way the live
 * one differs. Objects only the live database has are not VRSS's: listed apart, never a
 * difference.
 */
import type { CatalogSnapshot, ConstraintSnapshot, FunctionSnapshot } from './catalog.js'

export type ObjectKind =
  | 'enum'
  | 'sequence'
  | 'function'
  | 'table'
  | 'column'
  | 'constraint'
  | 'index'
  | 'trigger'
  | 'view'

export interface CatalogObject {
  kind: ObjectKind
  /** Unique within its kind: "users", "users.email", "vrss_feed(bigint, integer)". */
  name: string
  /** The key of the object it belongs to (a column's table): not reported when that is. */
  parent?: string
  /** What is compared; null = absent (no default, not owned). */
  attributes: Record<string, string | null>
}

export interface Difference {
  kind: ObjectKind
  name: string
  /** The attribute that differs, or "missing" when the object is not there at all. */
  differs: string
  expected: string | null
  actual: string | null
}

export interface ObjectRef {
  kind: ObjectKind
  name: string
}

export interface CatalogComparison {
  /** How many objects of the phases were compared. */
  compared: number
  differences: Difference[]
  /** In the live database only: not VRSS's. */
  extra: ObjectRef[]
}

const keyOf = (object: { kind: ObjectKind; name: string }) => `${object.kind}:${object.name}`
const yesNo = (value: boolean) => (value ? 'yes' : 'no')

/** Every object of a snapshot, in a fixed order (by kind, then name). */
export function catalogObjects(snapshot: CatalogSnapshot): CatalogObject[] {
  const tableKey = (table: string) => keyOf({ kind: 'table', name: table })
  const objects: CatalogObject[] = [
    ...snapshot.enums.map((e) => object('enum', e.name, { labels: e.labels.join(', ') })),
    ...snapshot.sequences.map((s) =>
      object(
        'sequence',
        s.name,
        {
          type: s.type,
          start: s.start,
          increment: s.increment,
          min: s.min,
          max: s.max,
          cache: s.cache,
          cycle: yesNo(s.cycle),
          'owned by': s.ownedBy,
        },
        s.ownedBy ? tableKey(s.ownedBy.split('.')[0] as string) : undefined,
      ),
    ),
    ...snapshot.functions.map((f) => object('function', functionName(f), functionAttributes(f))),
    ...snapshot.tables.flatMap((t) => [
      object('table', t.name, { unlogged: yesNo(t.unlogged) }),
      ...t.columns.map((c) =>
        object(
          'column',
          `${t.name}.${c.name}`,
          {
            type: c.type,
            'not null': yesNo(c.notNull),
            default: c.default === null ? null : canonicalExpression(c.default),
            identity: c.identity,
            generated: c.generated,
            collation: c.collation,
          },
          tableKey(t.name),
        ),
      ),
    ]),
    ...snapshot.constraints.map((k) =>
      object('constraint', `${k.table}.${k.name}`, constraintAttributes(k), tableKey(k.table)),
    ),
    ...snapshot.indexes
      .filter((i) => !i.constraint)
      .map((i) =>
        object(
          'index',
          i.name,
          { definition: canonicalExpression(i.definition), valid: yesNo(i.valid) },
          tableKey(i.table),
        ),
      ),
    ...snapshot.triggers.map((t) =>
      object(
        'trigger',
        `${t.table}.${t.name}`,
        { definition: t.definition, enabled: t.enabled },
        tableKey(t.table),
      ),
    ),
    ...snapshot.views.map((v) =>
      object('view', v.name, { materialized: yesNo(v.materialized), definition: v.definition }),
    ),
  ]
  return objects
}

function object(
  kind: ObjectKind,
  name: string,
  attributes: Record<string, string | null>,
  parent?: string,
): CatalogObject {
  return parent ? { kind, name, parent, attributes } : { kind, name, attributes }
}

/** "vrss_feed(p_user_id bigint, …)" would change with an argument's name: identity types only. */
export function functionName(f: Pick<FunctionSnapshot, 'name' | 'identityArguments'>): string {
  return `${f.name}(${f.identityArguments})`
}

function functionAttributes(f: FunctionSnapshot): Record<string, string | null> {
  return {
    kind: f.procedure ? 'procedure' : 'function',
    arguments: f.arguments,
    result: f.result,
    language: f.language,
    body: f.body,
    volatility: f.volatility,
    strict: yesNo(f.strict),
    'security definer': yesNo(f.securityDefiner),
    leakproof: yesNo(f.leakproof),
    parallel: f.parallel,
    settings: f.config.length > 0 ? f.config.join(', ') : null,
    cost: f.cost,
    rows: f.rows,
  }
}

/** NOT VALID is compared on its own ("validated"), not as part of the definition. */
function constraintAttributes(k: ConstraintSnapshot): Record<string, string | null> {
  return {
    type: k.type,
    definition: canonicalExpression(k.definition.replace(/ NOT VALID$/, '')),
    validated: yesNo(k.validated),
  }
}

const CAST_LITERAL = /^\('((?:[^']|'')*)'::([\w ]+(?:\(\d+(?:,\d+)?\))?)\)::([\w ]+)$/

/**
 * One spelling for a list of literals compared with ANY: `col in ('a', 'b')` on a varchar
 * column is printed as `ANY ((ARRAY['a'::character varying, …])::text[])`, but that text, run
 * again (e.g. from `status --schema`), is stored and printed as `ANY (ARRAY[('a'::character
 * varying)::text, …])`. Same meaning: the second form is rewritten as the first.
 */
export function canonicalExpression(text: string): string {
  return text.replace(
    /ANY \(ARRAY\[((?:\('(?:[^']|'')*'::[^)]+\)::[\w ]+(?:, )?)+)\]\)/g,
    (whole, list: string) => {
      const items = list.split(/, (?=\(')/).map((item) => CAST_LITERAL.exec(item))
      const first = items[0]
      if (!first || items.some((m) => !m || m[2] !== first[2] || m[3] !== first[3])) return whole
      const literals = items.map((m) => `'${(m as RegExpExecArray)[1]}'::${first[2]}`)
      return `ANY ((ARRAY[${literals.join(', ')}])::${first[3]}[])`
    },
  )
}

/**
 * How `actual` differs from `expected`: an object of `expected` that `actual` lacks is
 * "missing" (its columns, indexes … are then not listed one by one), each attribute that
 * differs is one difference; objects only `actual` has are `extra` (their own parts too).
 */
export function compareCatalogs(
  expected: CatalogSnapshot,
  actual: CatalogSnapshot,
): CatalogComparison {
  const wanted = catalogObjects(expected)
  const found = new Map(catalogObjects(actual).map((o) => [keyOf(o), o]))
  const differences: Difference[] = []
  // Parents first: a sequence is listed before the table owning it.
  const missing = new Set(wanted.map(keyOf).filter((key) => !found.has(key)))
  for (const object of wanted) {
    const live = found.get(keyOf(object))
    if (object.parent && missing.has(object.parent)) continue
    if (!live) {
      differences.push({
        kind: object.kind,
        name: object.name,
        differs: 'missing',
        expected: describeObject(object),
        actual: null,
      })
      continue
    }
    for (const [attribute, value] of Object.entries(object.attributes)) {
      const other = live.attributes[attribute] ?? null
      if (value === other) continue
      differences.push({
        kind: object.kind,
        name: object.name,
        differs: attribute,
        expected: value,
        actual: other,
      })
    }
  }
  const known = new Set(wanted.map(keyOf))
  const extra = [...found.values()]
    .filter((o) => !known.has(keyOf(o)) && !(o.parent && !known.has(o.parent)))
    .map((o) => ({ kind: o.kind, name: o.name }))
  return { compared: wanted.length, differences, extra }
}

/** What a missing object should have been: its definition where it has one. */
function describeObject(object: CatalogObject): string {
  const a = object.attributes
  if (object.kind === 'column') {
    return [
      a.type,
      a['not null'] === 'yes' ? 'not null' : '',
      a.default ? `default ${a.default}` : '',
    ]
      .filter(Boolean)
      .join(' ')
  }
  if (object.kind === 'enum') return `(${a.labels})`
  if (object.kind === 'function') return `${object.name} returns ${a.result}`
  if (object.kind === 'sequence') return `sequence as ${a.type}`
  return a.definition ?? `${object.kind} ${object.name}`
}

/**
 * Expected and actual values short enough to read side by side: for a multi-line value (a
 * function body) the first line that differs, with its number.
 */
export function differingLine(
  expected: string | null,
  actual: string | null,
): { line?: number; expected: string | null; actual: string | null } {
  if (expected === null || actual === null) return { expected, actual }
  if (!expected.includes('\n') && !actual.includes('\n')) return { expected, actual }
  const a = expected.split('\n')
  const b = actual.split('\n')
  const index = a.findIndex((line, i) => line !== b[i])
  const at = index === -1 ? a.length : index
  return { line: at + 1, expected: a[at] ?? '(end)', actual: b[at] ?? '(end)' }
}
