/**
 * The core of `vrss-db migrate trace`: runs phases on a scratch database (the phases before
 * them applied), statement by statement, and reports what each one locked, which tables and
 * indexes it rewrote (their relfilenode changed), and how long it took. The scratch copy is
 * always dropped. Never prints.
 */
import type { CoreContext, Report } from '../core.js'
import type { ReservedSql, Sql } from '../db/connect.js'
import { query } from '../db/sql-files.js'
import { splitStatements } from '../db/sql-split.js'
import { VrssError } from '../errors.js'
import { comparePhases, readApplied } from './bookkeeping.js'
import type { Migration } from './files.js'
import { headOf } from './lint/sql-text.js'
import { blockedBy, LOCK_MODES, type LockMode, lockModeOf } from './lock-modes.js'
import { runStatement } from './statements.js'
import { type HeldLock, sampleLocksWhile } from './trace-sampler.js'

export type TraceEvent =
  | { type: 'scratch-ready'; database: string; applied: number }
  | { type: 'phase-start'; file: string; transactional: boolean }
  | { type: 'statement-done'; file: string; line: number; ms: number }

export interface TraceOptions {
  migrations: readonly Migration[]
  /** Trace this phase (the ones before it applied); the target's pending phases otherwise. */
  phase?: number
  migrationsTable?: string
}

export interface TracedLock {
  relation: string
  kind: 'table' | 'index' | 'sequence' | 'view'
  /** Every mode seen on it; `mode` is the strongest. */
  modes: LockMode[]
  mode: LockMode
  /** Created earlier in this phase: nobody else can use it yet, so it blocks nobody. */
  created: boolean
  blocks: string
}

export interface TracedStatement {
  line: number
  statement: string
  ms: number
  locks: TracedLock[]
  /** Tables and indexes that got a new relfilenode (rewritten or rebuilt). */
  rewritten: string[]
  /** Locks read by sampling from a second connection (outside a transaction). */
  sampled: boolean
}

export interface TracedPhase {
  version: number
  file: string
  transactional: boolean
  statements: TracedStatement[]
  /**
   * One transaction: the strongest lock on each relation at COMMIT — what the application
   * waits for from the statement that took it until the phase ends. Empty without one.
   */
  heldUntilCommit: TracedLock[]
}

export interface TraceResult {
  target: string
  /** Nothing was pending on the target and no --phase was given. */
  nothingPending: boolean
  phases: TracedPhase[]
}

export async function tracePhases(
  ctx: CoreContext,
  options: TraceOptions,
  report: Report<TraceEvent>,
): Promise<TraceResult> {
  const traced = await phasesToTrace(ctx, options)
  const base = { target: ctx.target.display, nothingPending: traced.length === 0 }
  if (traced.length === 0) return { ...base, phases: [] }
  const first = traced[0] as Migration
  const before = options.migrations.filter((m) => m.version < first.version)
  // Loaded here, not at startup: `vrss-db migrate lint` and --help do not need the driver.
  const { connect } = await import('../db/connect.js')
  const { withScratchDatabase } = await import('./scratch.js')
  return withScratchDatabase(ctx, before, async (scratch) => {
    report({ type: 'scratch-ready', database: scratch.database, applied: before.length })
    const sampler = await connect(
      { ...ctx.target.spec, database: scratch.database },
      { max: 1, onNotice: () => {}, connection: { default_transaction_read_only: 'off' } },
    )
    try {
      const phases: TracedPhase[] = []
      for (const phase of traced) {
        report({ type: 'phase-start', file: phase.file, transactional: phase.transactional })
        phases.push(await tracePhase(scratch.sql, sampler, phase, report))
      }
      return { ...base, phases }
    } finally {
      await sampler.end({ timeout: 1 })
    }
  })
}

async function phasesToTrace(ctx: CoreContext, options: TraceOptions): Promise<Migration[]> {
  if (options.phase !== undefined)
    return options.migrations.filter((m) => m.version === options.phase)
  const states = comparePhases(
    [...options.migrations],
    await readApplied(ctx.sql, options.migrationsTable),
  )
  const pending = new Set(states.filter((s) => s.state === 'pending').map((s) => s.version))
  return options.migrations.filter((m) => pending.has(m.version))
}

interface Relation {
  oid: number
  name: string
  kind: string
  filenode: number
}

async function tracePhase(
  sql: Sql,
  sampler: Sql,
  phase: Migration,
  report: Report<TraceEvent>,
): Promise<TracedPhase> {
  const conn = await sql.reserve()
  try {
    const [{ pid }] = (await conn`select pg_backend_pid() as pid`) as unknown as [{ pid: number }]
    const existing = new Set((await relations(conn)).map((r) => r.oid))
    if (phase.transactional) await conn.unsafe('begin')
    let held: HeldLock[] = []
    let heldBefore = new Set<string>()
    let known: Relation[] = []
    const statements: TracedStatement[] = []
    for (const statement of splitStatements(phase.up)) {
      const before = await relations(conn)
      const started = performance.now()
      // As migrate runs it: a failure names the file, the line and the SQLSTATE.
      const run = () => runStatement(conn, statement, phase.file)
      let locks: HeldLock[]
      if (phase.transactional) {
        await run()
        locks = await query<HeldLock>(conn, 'migrate-trace/backend-locks')
        held = locks
      } else {
        locks = (await sampleLocksWhile(sampler, pid, run)).seen
      }
      const ms = Math.round((performance.now() - started) * 10) / 10
      const after = await relations(conn)
      known = after
      // In one transaction locks pile up until COMMIT: a statement's own are the new ones.
      const fresh = locks.filter((l) => !heldBefore.has(`${l.oid}:${l.mode}`))
      heldBefore = new Set(held.map((l) => `${l.oid}:${l.mode}`))
      statements.push({
        line: statement.line,
        statement: headOf(statement.sql),
        ms,
        locks: describeLocks(fresh, [...before, ...after], existing),
        rewritten: rewrittenBetween(before, after),
        sampled: !phase.transactional,
      })
      report({ type: 'statement-done', file: phase.file, line: statement.line, ms })
    }
    if (phase.transactional) await conn.unsafe('commit')
    return {
      version: phase.version,
      file: phase.file,
      transactional: phase.transactional,
      statements,
      heldUntilCommit: describeLocks(held, known, existing),
    }
  } catch (err) {
    if (phase.transactional) await conn.unsafe('rollback').catch(() => undefined)
    throw onScratch(err)
  } finally {
    conn.release()
  }
}

/** Says that the failure happened on the scratch copy: the target was not touched. */
function onScratch(err: unknown): unknown {
  if (!(err instanceof VrssError)) return err
  return new VrssError(
    `${err.message} (while tracing on a scratch copy; the target is unchanged)`,
    {
      hint: err.hint,
      code: err.code,
      exitCode: err.exitCode,
      details: err.details,
      cause: err,
    },
  )
}

function relations(conn: ReservedSql): Promise<Relation[]> {
  return query<Relation>(conn, 'migrate-trace/relations')
}

const KINDS: Record<string, TracedLock['kind']> = {
  r: 'table',
  p: 'table',
  i: 'index',
  I: 'index',
  m: 'view',
  v: 'view',
  S: 'sequence',
}

/** Groups the locks by relation (names from the schema's relations; others are not ours). */
export function describeLocks(
  locks: readonly HeldLock[],
  known: readonly Relation[],
  existing: ReadonlySet<number>,
): TracedLock[] {
  const names = new Map(known.map((r) => [r.oid, r]))
  const byRelation = new Map<number, LockMode[]>()
  for (const lock of locks) {
    const mode = lockModeOf(lock.mode)
    if (!mode || !names.has(lock.oid)) continue
    byRelation.set(lock.oid, [...(byRelation.get(lock.oid) ?? []), mode])
  }
  return [...byRelation].map(([oid, modes]) => {
    const relation = names.get(oid) as Relation
    const mode = strongest(modes)
    const created = !existing.has(oid)
    return {
      relation: relation.name,
      kind: KINDS[relation.kind] ?? 'table',
      modes: [...new Set(modes)],
      mode,
      created,
      blocks: created ? 'nothing: created in this phase, nobody uses it yet' : blockedBy(mode),
    }
  })
}

function strongest(modes: readonly LockMode[]): LockMode {
  return modes.reduce((a, b) => (LOCK_MODES.indexOf(b) > LOCK_MODES.indexOf(a) ? b : a))
}

/** Tables and indexes present before and after with another relfilenode. */
export function rewrittenBetween(
  before: readonly Relation[],
  after: readonly Relation[],
): string[] {
  const old = new Map(before.map((r) => [r.oid, r.filenode]))
  return after
    .filter((r) => r.kind !== 'S' && old.has(r.oid) && old.get(r.oid) !== r.filenode)
    .map((r) => r.name)
}
