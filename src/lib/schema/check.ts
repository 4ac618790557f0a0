/**
 * Compares the database with the manifest of the applied phases: what is missing, disabled
 * (e.g. triggers switched off by a bulk load) or INVALID (a failed concurrent index build).
 * The one trigger-vs-manifest comparison: `status` lists what is wrong, `verify-triggers`
 * turns it into presence proofs.
 */
import type { Sql } from '../db/connect.js'
import { query } from '../db/sql-files.js'
import { PHASES, type PhaseManifest, type TriggerManifest } from './manifest.js'

export interface SchemaProblems {
  missingTables: string[]
  missingIndexes: string[]
  missingTriggers: string[]
  /** Triggers present but not enabled (tgenabled = 'D'), as table.trigger. */
  disabledTriggers: string[]
  /** Triggers attached to another table or calling another function than the phase says. */
  alteredTriggers: string[]
  /** INVALID indexes that VRSS's phases create (a concurrent build that stopped half-way). */
  invalidIndexes: string[]
}

/** An index or user trigger of the current schema (queries/status-objects). */
export interface ObjectRow {
  kind: 'index' | 'trigger'
  name: string
  table: string
  valid: boolean
  function: string | null
  enabled: string | null
  definition: string | null
  /** The backend building this index concurrently right now (not valid yet, not broken). */
  building: number | null
}

/** One trigger of the manifest as the database has it; `found` is undefined when it is missing. */
export interface TriggerState {
  /** table.trigger */
  key: string
  expected: TriggerManifest
  found?: { enabled: boolean; function: string | null; events: string | undefined }
}

/** What a presence proof reports: the first thing wrong with a trigger. */
export interface TriggerProblem {
  error: string
  actual: unknown
  expected: unknown
}

/** One presence check's outcome; verify's ProofResult extends it. */
export interface PresenceProof {
  name: string
  ok: boolean
  ms: number
  error?: string
  expected?: unknown
  actual?: unknown
}

export function readObjects(sql: Sql): Promise<ObjectRow[]> {
  return query<ObjectRow>(sql, 'queries/status-objects')
}

/** "AFTER INSERT OR DELETE" from `CREATE TRIGGER name AFTER INSERT OR DELETE ON …`. */
export function triggerEvents(definition: string | null): string | undefined {
  return /^CREATE (?:CONSTRAINT )?TRIGGER \S+ (.+?) ON /.exec(definition ?? '')?.[1]
}

/** Matched by table and name: a trigger moved to another table counts as missing. */
export function compareTriggers(rows: ObjectRow[], expected: TriggerManifest[]): TriggerState[] {
  const byKey = new Map(
    rows.filter((r) => r.kind === 'trigger').map((r) => [`${r.table}.${r.name}`, r]),
  )
  return expected.map((t) => {
    const key = `${t.table}.${t.name}`
    const row = byKey.get(key)
    if (!row) return { key, expected: t }
    const found = {
      enabled: row.enabled !== 'D',
      function: row.function,
      events: triggerEvents(row.definition),
    }
    return { key, expected: t, found }
  })
}

/** The first thing wrong with a trigger, in the order a person would fix them; undefined when none. */
export function triggerProblem(state: TriggerState): TriggerProblem | undefined {
  const { found, expected } = state
  if (!found) return { error: 'missing', actual: 'absent', expected: 'present' }
  if (!found.enabled) {
    return {
      error: 'disabled (ALTER TABLE … DISABLE TRIGGER)',
      actual: 'disabled',
      expected: 'enabled',
    }
  }
  if (found.function !== expected.function) {
    return { error: 'calls another function', actual: found.function, expected: expected.function }
  }
  if (found.events !== expected.events) {
    return { error: 'fires on other events', actual: found.events, expected: expected.events }
  }
  return undefined
}

function triggersOf(applied: Iterable<number>): TriggerManifest[] {
  const versions = new Set(applied)
  const byKey = new Map<string, TriggerManifest>()
  // A later phase may redefine a trigger (same table and name): its definition is the one expected.
  for (const phase of PHASES.filter((p) => versions.has(p.version)))
    for (const t of phase.triggers) byKey.set(`${t.table}.${t.name}`, t)
  return [...byKey.values()]
}

/**
 * Presence proofs of verify-triggers: every trigger of the `applied` phases (versions) exists,
 * is enabled, calls the right function and fires on the right events.
 */
export async function checkPresence(sql: Sql, applied: Set<number>): Promise<PresenceProof[]> {
  const started = performance.now()
  const rows = await readObjects(sql)
  const ms = Math.round((performance.now() - started) * 10) / 10
  return compareTriggers(rows, triggersOf(applied)).map((state) => {
    const name = `trigger ${state.key} is present and enabled`
    const problem = triggerProblem(state)
    return problem ? { name, ok: false, ms, ...problem } : { name, ok: true, ms }
  })
}

/** INVALID and not being built: a concurrent build that failed or was stopped. */
function isInvalid(row: ObjectRow): boolean {
  return row.kind === 'index' && !row.valid && row.building === null
}

export interface IndexBuild {
  index: string
  table: string
  pid: number
}

/** Indexes a CREATE INDEX CONCURRENTLY is building right now (e.g. a migrate in progress). */
export async function indexesBeingBuilt(sql: Sql): Promise<IndexBuild[]> {
  const rows = await readObjects(sql)
  return rows
    .filter((r) => r.kind === 'index' && !r.valid && r.building !== null)
    .map((r) => ({ index: r.name, table: r.table, pid: r.building as number }))
}

/** INVALID indexes in the schema that are not VRSS's: reported, never blamed or touched. */
export async function foreignInvalidIndexes(sql: Sql): Promise<string[]> {
  const rows = await readObjects(sql)
  const own = new Set(PHASES.flatMap((p) => p.indexes))
  return rows.filter((r) => isInvalid(r) && !own.has(r.name)).map((r) => r.name)
}

/** The indexes the given phases leave: each one's own, but those a later one of them drops. */
export function expectedIndexes(phases: readonly PhaseManifest[]): string[] {
  const dropped = new Set(phases.flatMap((p) => p.dropsIndexes ?? []))
  return phases.flatMap((p) => p.indexes).filter((i) => !dropped.has(i))
}

export async function checkSchema(sql: Sql, appliedVersions: number[]): Promise<SchemaProblems> {
  const phases = PHASES.filter((p) => appliedVersions.includes(p.version))
  const rows = await readObjects(sql)
  const [tableRows] = await query<{ names: string[] }>(sql, 'queries/status-table-names')
  const tables = new Set<string>(tableRows?.names ?? [])
  const indexes = new Map(rows.filter((r) => r.kind === 'index').map((r) => [r.name, r]))
  const triggers = compareTriggers(rows, triggersOf(appliedVersions))
  const keys = (keep: (t: TriggerState) => boolean) => triggers.filter(keep).map((t) => t.key)
  return {
    missingTables: phases.flatMap((p) => p.tables).filter((t) => !tables.has(t)),
    missingIndexes: expectedIndexes(phases).filter((i) => !indexes.has(i)),
    missingTriggers: keys((t) => !t.found),
    disabledTriggers: keys((t) => t.found?.enabled === false),
    alteredTriggers: keys((t) => t.found !== undefined && t.found.function !== t.expected.function),
    invalidIndexes: [...indexes.values()]
      .filter((r) => isInvalid(r) && PHASES.some((p) => p.indexes.includes(r.name)))
      .map((r) => r.name),
  }
}
