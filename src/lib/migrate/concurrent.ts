/**
 * A phase outside a transaction (`-- vrss-db:no-transaction`, for CREATE INDEX CONCURRENTLY)
 * can stop half-way: a lock timeout, Ctrl+C, kill -9, a lost connection. Its statements are
 * idempotent (IF NOT EXISTS, OR REPLACE), and an index it left INVALID is dropped and built
 * again here, so running the phase again finishes it. INVALID indexes that are not the phase's
 * own are not its business.
 */
import type { ReservedSql, Sql } from '../db/connect.js'
import { query } from '../db/sql-files.js'
import { splitStatements } from '../db/sql-split.js'
import { VrssError } from '../errors.js'
import type { Migration } from './files.js'
import { type IndexBuildState, watchIndexBuild } from './index-watch.js'
import { runStatement, statementError } from './statements.js'

export const DEFAULT_INDEX_WAIT_MS = 10 * 60_000

export interface ConcurrentOptions {
  lockTimeoutMs: number
  /**
   * lock_timeout of a CREATE INDEX CONCURRENTLY: besides its table lock it waits for every
   * older transaction that could write the table, which on a busy database takes longer than a
   * plain lock wait should.
   */
  indexWaitMs?: number
  /** Told what the runner did by itself (e.g. rebuilt an INVALID index a phase left behind). */
  onNote?: (message: string) => void
  /** Another connection that watches each concurrent build (see index-watch.ts). */
  watcher?: Sql
  onIndexBuild?: (state: IndexBuildState) => void
}

export interface InvalidIndex {
  index: string
  table: string
}

export function invalidIndexes(sql: Sql | ReservedSql): Promise<InvalidIndex[]> {
  return query<InvalidIndex>(sql, 'queries/invalid-indexes')
}

/** Runs `work` while the watcher (when given) reports what the build in `conn` waits for. */
async function watched<T>(
  conn: ReservedSql,
  options: Pick<ConcurrentOptions, 'watcher' | 'onIndexBuild'>,
  work: () => Promise<T>,
): Promise<T> {
  const { watcher, onIndexBuild } = options
  if (!watcher || !onIndexBuild) return work()
  const [row] = await conn<{ pid: number }[]>`select pg_backend_pid() as pid`
  const stop = watchIndexBuild(watcher, row?.pid ?? 0, onIndexBuild)
  try {
    return await work()
  } finally {
    stop()
  }
}

/** The names of the indexes a phase builds CONCURRENTLY. */
export function concurrentIndexesOf(sql: string): string[] {
  const names: string[] = []
  for (const statement of splitStatements(sql)) {
    const match =
      /^create\s+(?:unique\s+)?index\s+concurrently\s+(?:if\s+not\s+exists\s+)?("?)([a-z_][a-z0-9_$]*)\1/i.exec(
        statement.sql,
      )
    if (match) names.push(match[2] as string)
  }
  return names
}

/** Runs (or finishes) a phase statement by statement, outside any transaction. */
export async function applyWithoutTransaction(
  conn: ReservedSql,
  migration: Migration,
  options: ConcurrentOptions,
): Promise<void> {
  const own = concurrentIndexesOf(migration.up)
  const indexWaitMs = options.indexWaitMs ?? DEFAULT_INDEX_WAIT_MS
  await dropOwnInvalidIndexes(conn, migration, own, indexWaitMs, options.onNote)
  try {
    for (const statement of splitStatements(migration.up)) {
      const concurrent = /\bconcurrently\b/i.test(statement.sql)
      await setLockTimeout(conn, concurrent ? indexWaitMs : options.lockTimeoutMs)
      await watched(conn, concurrent ? options : {}, () =>
        runStatement(conn, statement, migration.file),
      )
    }
  } catch (err) {
    throw await partialPhaseError(conn, migration, own, err)
  } finally {
    await setLockTimeout(conn, 0).catch(() => undefined)
  }
  const left = (await invalidIndexes(conn)).filter((i) => own.includes(i.index))
  if (left.length > 0) {
    throw new VrssError(
      `${migration.file} left INVALID indexes: ${left.map((i) => i.index).join(', ')}`,
      {
        hint: 'A concurrent index build failed; run `vrss-db migrate` again: it drops and rebuilds them.',
        code: 'INVALID_INDEX',
      },
    )
  }
}

/** What an earlier, interrupted run of this phase left INVALID goes, to be built again. */
async function dropOwnInvalidIndexes(
  conn: ReservedSql,
  migration: Migration,
  own: string[],
  indexWaitMs: number,
  onNote: ((message: string) => void) | undefined,
): Promise<void> {
  for (const index of await invalidIndexes(conn)) {
    if (!own.includes(index.index)) continue
    onNote?.(
      `${migration.file}: index ${index.index} was left INVALID by an earlier run; dropping it to build it again`,
    )
    await setLockTimeout(conn, indexWaitMs)
    await conn`drop index concurrently if exists ${conn(index.index)}`
  }
}

/** Says truthfully what a half-applied phase left, and that the next run finishes it. */
async function partialPhaseError(
  conn: ReservedSql,
  migration: Migration,
  own: string[],
  err: unknown,
): Promise<VrssError> {
  const base = err instanceof VrssError ? err : statementError(err, migration.file, 0, '')
  const states = await query<{ index: string; valid: boolean }>(conn, 'queries/index-states', [
    own,
  ]).catch(() => [])
  const left = states.map((s) => `${s.index} (${s.valid ? 'valid' : 'INVALID'})`)
  // A concurrent build waits under --index-wait, not --lock-timeout.
  const hint = /concurrently/i.test(
    String((base.details as { statement?: string } | undefined)?.statement ?? ''),
  )
    ? 'A concurrent index build waited longer than --index-wait for older transactions; raise --index-wait or retry when they are done.'
    : base.hint
  return new VrssError(
    `${base.message}; ${migration.file} runs outside a transaction and stopped half-way${left.length ? `, leaving indexes ${left.join(', ')}` : ', before building any index'}`,
    {
      code: base.code,
      exitCode: base.exitCode,
      hint: `${hint ? `${hint} ` : ''}Run \`vrss-db migrate\` again: it rebuilds what this phase left INVALID and finishes it.`,
      details: { ...base.details, leftIndexes: states },
      cause: err,
    },
  )
}

async function setLockTimeout(conn: ReservedSql, ms: number): Promise<void> {
  await conn`select set_config('lock_timeout', ${`${ms}ms`}, false)`
}
