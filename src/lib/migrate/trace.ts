/**
 * The core of `vrss-db migrate trace`: runs phases on a scratch database (the phases before
 * them applied), statement by statement, and reports what each one locked, which tables and
 * indexes it rewrote (their relfilenode changed), and how long it took. The scratch copy is
 * always dropped. Never prints.
 */
import type { CoreContext, Report } from '../core.js'
import type { ReservedSql, Sql } from '../db/connect.js'
import { query } from '../db/sql-files.js'
import { type SqlStatement, splitStatements } from '../db/sql-split.js'
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
  /**
   * Every mode held on it while the statement ran (in one transaction, with those taken by
   * earlier statements: they are held until COMMIT); `mode` is the strongest.
   */
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

/** One traced phase in progress on its connection. */
interface PhaseRun {
  conn: ReservedSql
  sampler: Sql
  /** The backend running the phase (whose locks the sampler reads). */
  pid: number
  phase: Migration
  /** Relations that existed before the phase: the others are its own. */
  existing: ReadonlySet<number>
  /** In one transaction: every lock held so far (they pile up until COMMIT). */
  held: HeldLock[]
  /** The schema's relations after the last statement. */
  known: Relation[]
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
    const known = await relations(conn)
    const existing = new Set(known.map((r) => r.oid))
    const run: PhaseRun = { conn, sampler, pid, phase, existing, held: [], known }
    if (phase.transactional) await conn.unsafe('begin')
    const statements: TracedStatement[] = []
    for (const statement of splitStatements(phase.up)) {
      statements.push(await traceStatement(run, statement))
      report({
        type: 'statement-done',
        file: phase.file,
        line: statement.line,
        ms: statements.at(-1)?.ms ?? 0,
      })
    }
    if (phase.transactional) await conn.unsafe('commit')
    return {
      version: phase.version,
      file: phase.file,
      transactional: phase.transactional,
      statements,
      heldUntilCommit: describeLocks(run.held, run.known, existing),
    }
  } catch (err) {
    if (phase.transactional) await conn.unsafe('rollback').catch(() => undefined)
    throw onScratch(err)
  } finally {
    conn.release()
  }
}

const lockKey = (lock: HeldLock) => `${lock.oid}:${lock.mode}`

async function traceStatement(run: PhaseRun, statement: SqlStatement): Promise<TracedStatement> {
  const before = run.known
  const heldBefore = new Set(run.held.map(lockKey))
  const started = performance.now()
  const locks = await runReadingLocks(run, statement)
  const ms = Math.round((performance.now() - started) * 10) / 10
  run.known = await relations(run.conn)
  const rewritten = rewrittenBetween(before, run.known)
  return {
    line: statement.line,
    statement: headOf(statement.sql),
    ms,
    locks: describeLocks(
      locksOfStatement(run, locks, heldBefore, rewritten),
      [...before, ...run.known],
      run.existing,
    ),
    rewritten: rewritten.map((r) => r.name),
    sampled: !run.phase.transactional,
  }
}

/**
 * The relations a statement locked or rewrote, with what is held on them while it runs. In one
 * transaction that includes the locks of earlier statements, held until COMMIT: a rewrite under
 * an ACCESS EXCLUSIVE lock taken a line earlier shows ACCESS EXCLUSIVE, not just what it added.
 */
function locksOfStatement(
  run: PhaseRun,
  locks: readonly HeldLock[],
  heldBefore: ReadonlySet<string>,
  rewritten: readonly Relation[],
): HeldLock[] {
  if (!run.phase.transactional) return [...locks]
  const touched = new Set([
    ...locks.filter((l) => !heldBefore.has(lockKey(l))).map((l) => l.oid),
    ...rewritten.map((r) => r.oid),
  ])
  return locks.filter((l) => touched.has(l.oid))
}

/**
 * Runs the statement as migrate does (a failure names the file, the line and the SQLSTATE) and
 * returns the locks it took: read on its own backend afterwards in a transaction, sampled from
 * the second connection while it runs outside one.
 */
async function runReadingLocks(run: PhaseRun, statement: SqlStatement): Promise<HeldLock[]> {
  const execute = () => runStatement(run.conn, statement, run.phase.file)
  if (!run.phase.transactional) return (await sampleLocksWhile(run.sampler, run.pid, execute)).seen
  await execute()
  run.held = await query<HeldLock>(run.conn, 'migrate-trace/backend-locks')
  return run.held
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
): Relation[] {
  const old = new Map(before.map((r) => [r.oid, r.filenode]))
  return after.filter((r) => r.kind !== 'S' && old.has(r.oid) && old.get(r.oid) !== r.filenode)
}
