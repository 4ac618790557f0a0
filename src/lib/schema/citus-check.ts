/**
 * The Citus readiness check, pure: given what the catalog says about the schema and the plan
 * (citus.ts), list everything that would not survive distribution as it is, with the reason and
 * the fix the plan proposes. The rules are Citus's: a distributed table's unique keys contain its
 * distribution column; foreign keys join co-located tables on their distribution columns or
 * point at a reference table; triggers run on the shards and need citus.enable_unsafe_triggers.
 */
import { CITUS_PLAN, type CitusPlan, type Placement } from './citus.js'

export interface CatalogColumn {
  table: string
  column: string
  type: string
  /** Identity, or a serial's nextval() default. */
  sequence: boolean
}

export interface CatalogKey {
  kind: 'primary key' | 'unique constraint' | 'unique index'
  name: string
  table: string
  /** Key columns in order; null where the index has an expression. */
  columns: (string | null)[]
}

export interface CatalogForeignKey {
  name: string
  table: string
  columns: string[]
  references: string
  referencedColumns: string[]
}

export interface CatalogTrigger {
  name: string
  table: string
  function: string
  rowLevel: boolean
}

export interface CatalogFunction {
  name: string
  source: string
}

/** What the check reads from the live schema (src/sql/catalog/citus-*.sql). */
export interface Catalog {
  columns: CatalogColumn[]
  keys: CatalogKey[]
  foreignKeys: CatalogForeignKey[]
  triggers: CatalogTrigger[]
  functions: CatalogFunction[]
}

/**
 * - blocks: Citus refuses it (distributing the table or creating the object fails);
 * - breaks: it would be accepted, but a guarantee of the schema would no longer hold;
 * - rewrite: it survives once changed as the fix says;
 * - setting: it survives as it is, created with citus.enable_unsafe_triggers.
 */
export type ReadinessEffect = 'blocks' | 'breaks' | 'rewrite' | 'setting'

export interface ReadinessItem {
  table: string
  kind: 'table' | 'column' | CatalogKey['kind'] | 'foreign key' | 'trigger'
  name: string
  effect: ReadinessEffect
  reason: string
  fix: string
}

export interface ReadinessReport {
  /** Planned tables found in the schema. */
  tablesChecked: number
  items: ReadinessItem[]
}

export function checkCitusReadiness(
  catalog: Catalog,
  plan: CitusPlan = CITUS_PLAN,
): ReadinessReport {
  const present = [...new Set(catalog.columns.map((c) => c.table))]
  const planned = (table: string) => plan.tables[table] !== undefined
  const items = present.filter((t) => !planned(t) && plan.required.includes(t)).map(unplanned)
  items.push(...present.filter(planned).flatMap((table) => checkColumns(table, catalog, plan)))
  items.push(...catalog.keys.filter((k) => planned(k.table)).flatMap((k) => checkKey(k, plan)))
  items.push(
    ...catalog.foreignKeys
      .filter((fk) => planned(fk.table) && planned(fk.references))
      .flatMap((fk) => checkForeignKey(fk, plan)),
  )
  items.push(
    ...catalog.triggers.filter((t) => planned(t.table)).map((t) => checkTrigger(t, catalog, plan)),
  )
  return { tablesChecked: present.filter(planned).length, items }
}

/** A VRSS table the plan does not place: a new phase's table nobody added to the plan. */
function unplanned(table: string): ReadinessItem {
  return {
    table,
    kind: 'table',
    name: table,
    effect: 'blocks',
    reason: `VRSS table ${table} is not in the Citus plan`,
    fix: 'choose its distribution column (or make it a reference table) in src/lib/schema/citus.ts and docs/scaling.md',
  }
}

function placementOf(table: string, plan: CitusPlan): Placement {
  const found = plan.tables[table]
  if (!found) throw new Error(`${table} is not in the Citus plan`)
  return found.placement
}

function describePlacement(table: string, plan: CitusPlan): string {
  const placement = placementOf(table, plan)
  return placement.kind === 'reference'
    ? `${table} (reference table)`
    : `${table} (distributed by ${placement.column})`
}

/** The distribution column must exist; sequences on distributed tables must be bigint. */
function checkColumns(table: string, catalog: Catalog, plan: CitusPlan): ReadinessItem[] {
  const placement = placementOf(table, plan)
  if (placement.kind !== 'distributed') return []
  const columns = catalog.columns.filter((c) => c.table === table)
  const items: ReadinessItem[] = []
  if (!columns.some((c) => c.column === placement.column)) {
    items.push({
      table,
      kind: 'column',
      name: placement.column,
      effect: 'blocks',
      reason: `${table} has no column ${placement.column}, the plan's distribution column`,
      fix: plan.tables[table]?.addColumn ?? `add ${placement.column}`,
    })
  }
  // Citus hands each node its own range of a distributed table's sequence: only bigint has room.
  for (const column of columns.filter((c) => c.sequence && c.type !== 'bigint')) {
    items.push({
      table,
      kind: 'column',
      name: column.column,
      effect: 'blocks',
      reason: `${table}.${column.column} takes its values from a ${column.type} sequence; on a distributed table only bigint sequences work from every node`,
      fix: `make ${column.column} bigint`,
    })
  }
  return items
}

function checkKey(key: CatalogKey, plan: CitusPlan): ReadinessItem[] {
  const placement = placementOf(key.table, plan)
  if (placement.kind !== 'distributed' || key.columns.includes(placement.column)) return []
  const columns = key.columns.map((c) => c ?? '(expression)')
  const column = placement.column
  const fix =
    plan.tables[key.table]?.fixes?.[key.name] ??
    (key.kind === 'primary key'
      ? `make it primary key (${[column, ...columns].join(', ')}): ${columns.join(', ')} stays unique through its sequence, and a lookup by ${columns.join(', ')} alone asks every shard`
      : `make it (${[column, ...columns].join(', ')}): the same rule, since ${columns.join(', ')} determine ${column}`)
  return [
    {
      table: key.table,
      kind: key.kind,
      name: key.name,
      effect: 'blocks',
      reason: `${key.kind} ${key.name} on ${key.table}(${columns.join(', ')}) does not contain the distribution column ${column}`,
      fix,
    },
  ]
}

function checkForeignKey(fk: CatalogForeignKey, plan: CitusPlan): ReadinessItem[] {
  const from = placementOf(fk.table, plan)
  const to = placementOf(fk.references, plan)
  const problem = foreignKeyProblem(fk, from, to)
  if (!problem) return []
  return [
    {
      table: fk.table,
      kind: 'foreign key',
      name: fk.name,
      effect: 'blocks',
      reason: `foreign key ${fk.name} ${fk.table}(${fk.columns.join(', ')}) → ${fk.references}(${fk.referencedColumns.join(', ')}): ${problem}`,
      fix: plan.tables[fk.table]?.fixes?.[fk.name] ?? defaultForeignKeyFix(fk, from, to),
    },
  ]
}

/** Why Citus would refuse the foreign key, or undefined when it can keep it. */
function foreignKeyProblem(
  fk: CatalogForeignKey,
  from: Placement,
  to: Placement,
): string | undefined {
  if (to.kind === 'reference') return undefined
  if (from.kind === 'reference') return 'a reference table cannot point at a distributed table'
  if (from.group !== to.group) {
    return `${fk.table} and ${fk.references} are not co-located (${from.group} and ${to.group} groups)`
  }
  const paired = fk.columns.some(
    (column, i) => column === from.column && fk.referencedColumns[i] === to.column,
  )
  if (paired) return undefined
  return `it does not join the distribution columns (${fk.table}.${from.column} = ${fk.references}.${to.column}), so the referenced row may be on another shard`
}

function defaultForeignKeyFix(fk: CatalogForeignKey, from: Placement, to: Placement): string {
  if (from.kind === 'distributed' && to.kind === 'distributed' && from.group === to.group) {
    return `make it (${[from.column, ...fk.columns].join(', ')}) → ${fk.references} (${[to.column, ...fk.referencedColumns].join(', ')})`
  }
  return `drop it and keep the reference by the application (a cleanup on delete)`
}

/** Word-boundary names of the planned tables a function's source mentions. */
function tablesNamed(source: string, plan: CitusPlan): string[] {
  return Object.keys(plan.tables).filter((t) => new RegExp(`\\b${t}\\b`).test(source))
}

/** The source of a function and of every function of the schema it calls, transitively. */
function expandedSource(name: string, functions: CatalogFunction[]): string {
  const byName = new Map(functions.map((f) => [f.name, f.source]))
  const seen = new Set<string>()
  const pending = [name]
  let text = ''
  while (pending.length > 0) {
    const next = pending.pop() as string
    if (seen.has(next)) continue
    seen.add(next)
    const source = byName.get(next) ?? ''
    text += `\n${source}`
    for (const other of byName.keys()) {
      if (!seen.has(other) && new RegExp(`\\b${other}\\s*\\(`).test(source)) pending.push(other)
    }
  }
  return text
}

function checkTrigger(trigger: CatalogTrigger, catalog: Catalog, plan: CitusPlan): ReadinessItem {
  const placement = placementOf(trigger.table, plan)
  const base = { table: trigger.table, kind: 'trigger' as const, name: trigger.name }
  const where = placement.kind === 'reference' ? 'a reference table' : 'a distributed table'
  if (!trigger.rowLevel) {
    return {
      ...base,
      effect: 'breaks',
      reason: `statement-level trigger on ${where}: it would fire once on each shard a statement touches, not once per statement`,
      fix: 'make it a row-level trigger, or move the work into the application',
    }
  }
  const runs = placement.kind === 'reference' ? "every node's copy" : 'each shard'
  const intro = `${trigger.function}() runs on ${runs} of ${where}, created only with citus.enable_unsafe_triggers`
  return { ...base, ...judgeTrigger(trigger, intro, reachOf(trigger, catalog, plan), plan) }
}

interface TriggerReach {
  /** Planned tables its function (or a function it calls) names, its own table included. */
  touched: string[]
  /** Those neither co-located with the trigger's table nor reference tables. */
  foreign: string[]
  /** The touched tables with their placement, for the reason; '' when none. */
  touches: string
  /** A note when it takes advisory locks, which hold on one node only; '' otherwise. */
  lock: string
}

function reachOf(trigger: CatalogTrigger, catalog: Catalog, plan: CitusPlan): TriggerReach {
  const source = expandedSource(trigger.function, catalog.functions)
  // Its own table counts too: other rows of it may be on other shards (a parent comment).
  const touched = tablesNamed(source, plan)
  return {
    touched,
    foreign: touched.filter((t) => !isColocatedOrReference(trigger.table, t, plan)),
    touches: touched.length
      ? `; it touches ${touched.map((t) => describePlacement(t, plan)).join(', ')}`
      : '',
    lock: /pg_advisory/.test(source) ? '; its advisory lock is per node, not cluster-wide' : '',
  }
}

/**
 * What the catalog shows wins over the plan when it is worse (a function edited to reach
 * another shard); otherwise the plan's verdict; a function the plan does not know is judged by
 * what it names.
 */
function judgeTrigger(
  trigger: CatalogTrigger,
  intro: string,
  reach: TriggerReach,
  plan: CitusPlan,
): Pick<ReadinessItem, 'effect' | 'reason' | 'fix'> {
  const planned = plan.triggerFunctions[trigger.function]
  const { foreign, touched, touches, lock } = reach
  if (foreign.length > 0) {
    const verb = foreign.length > 1 ? 'are' : 'is'
    return {
      effect: 'breaks',
      reason: `${intro}${touches}: ${foreign.join(', ')} ${verb} on other shards${lock}`,
      fix:
        planned?.effect === 'breaks'
          ? planned.fix
          : 'keep the guarantee outside the trigger (docs/scaling.md), or co-locate the tables',
    }
  }
  if (planned) {
    return {
      effect: planned.effect,
      reason: `${intro}: ${planned.reason}${lock}`,
      fix: planned.fix,
    }
  }
  return {
    effect: touched.length ? 'rewrite' : 'setting',
    reason: `${intro}${touches}${lock}; the function is not in the Citus plan`,
    fix: touched.length
      ? 'make every statement of the function filter on the distribution column, then add it to the plan (src/lib/schema/citus.ts)'
      : 'keep it: create it with SET citus.enable_unsafe_triggers = on, and add it to the plan',
  }
}

function isColocatedOrReference(table: string, other: string, plan: CitusPlan): boolean {
  const a = placementOf(table, plan)
  const b = placementOf(other, plan)
  if (b.kind === 'reference') return true
  return a.kind === 'distributed' && a.group === b.group
}
