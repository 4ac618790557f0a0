/**
 * Times a query honestly: on one dedicated connection, warm-up runs first, then N timed runs
 * measured client-side (what the API sees), and one EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) for
 * the plan: indexes used, sequential scans, estimated vs actual rows, buffers.
 *
 * Nothing a measurement runs is ever kept: every run happens inside one transaction that is
 * always rolled back, READ ONLY unless writes are allowed (then each run is undone by a
 * savepoint, so every run sees the same data, and the transaction is still rolled back).
 */
import type { ReservedSql, Sql } from '../db/connect.js'
import { withReservedConnection } from '../db/sessions.js'
import { isPostgresError, VrssError } from '../errors.js'
import { nonTransactionalCalls, refuseNonTransactional } from './guard.js'

export interface PlanSummary {
  /** Distinct node types, outermost first. */
  nodeTypes: string[]
  indexes: string[]
  /** Tables read by a sequential scan. */
  seqScans: string[]
  estimatedRows: number
  actualRows: number
  sharedHitBlocks: number
  sharedReadBlocks: number
  executionMs: number
}

export interface Measurement {
  runs: number
  p50: number
  p95: number
  max: number
  rows: number
  plan: PlanSummary
}

type Param = string | number | boolean | null | readonly string[]

export interface MeasureOptions {
  runs: number
  warmup: number
  /** Measure a data-modifying query (still rolled back); refused by READ ONLY otherwise. */
  allowWrites?: boolean
  /** statement_timeout of each run, so a runaway query under review cannot hang explain. */
  statementTimeoutMs?: number
  /** Refuse (before any run) a query whose plan calls what a rollback cannot undo. */
  guard?: string
}

export async function measure(
  sql: Sql,
  text: string,
  params: Param[],
  options: MeasureOptions,
): Promise<Measurement> {
  return withReservedConnection(sql, (conn) =>
    inRolledBackTransaction(conn, options, async () => {
      if (options.guard) {
        // Planned, not run: the plan names every function the query calls.
        const [planned] = await conn.unsafe(
          `explain (verbose, format json) ${text}`,
          params as never[],
        )
        refuseNonTransactional(nonTransactionalCalls(planned), options.guard)
      }
      const run = async (query: string) => {
        if (!options.allowWrites) return conn.unsafe(query, params as never[])
        await conn.unsafe('savepoint vrss_measure')
        try {
          return await conn.unsafe(query, params as never[])
        } finally {
          await conn.unsafe('rollback to savepoint vrss_measure')
        }
      }
      for (let i = 0; i < options.warmup; i++) await run(text)
      const times: number[] = []
      let rows = 0
      for (let i = 0; i < options.runs; i++) {
        const started = performance.now()
        rows = (await run(text)).length
        times.push(performance.now() - started)
      }
      const [plan] = await run(`explain (analyze, buffers, format json) ${text}`)
      return { runs: options.runs, ...percentiles(times), rows, plan: planOf(plan) }
    }),
  )
}

/** BEGIN [READ ONLY] … ROLLBACK, whatever happens inside; a refused write says what to do. */
async function inRolledBackTransaction<T>(
  conn: ReservedSql,
  options: MeasureOptions,
  fn: () => Promise<T>,
): Promise<T> {
  await conn.unsafe(options.allowWrites ? 'begin' : 'begin read only')
  try {
    await conn`select set_config('statement_timeout', ${`${options.statementTimeoutMs ?? 60_000}ms`}, true)`
    // If vrss-db dies (Ctrl+C, kill -9), the server notices within 2 s and stops the query
    // instead of running it to its statement_timeout (PostgreSQL 14+).
    await conn`
      select set_config('client_connection_check_interval', '2s', true)
      where current_setting('server_version_num')::int >= 140000`
    return await fn()
  } catch (err) {
    if (isPostgresError(err) && err.code === '25006') {
      throw new VrssError(`The query writes, and explain runs queries read-only: ${err.message}`, {
        hint: 'Nothing was changed. To time a write query anyway (it is always rolled back), add --allow-writes.',
        code: 'QUERY_WRITES',
        cause: err,
      })
    }
    throw err
  } finally {
    await conn.unsafe('rollback').catch(() => undefined)
  }
}

export function percentiles(times: number[]): { p50: number; p95: number; max: number } {
  const sorted = [...times].sort((a, b) => a - b)
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number
  const round = (ms: number) => Math.round(ms * 100) / 100
  return {
    p50: round(at(0.5)),
    p95: round(at(0.95)),
    max: round(sorted[sorted.length - 1] as number),
  }
}

export interface PlanNode {
  'Node Type': string
  'Index Name'?: string
  'Relation Name'?: string
  'Plan Rows': number
  'Actual Rows': number
  'Actual Loops'?: number
  'Shared Hit Blocks'?: number
  'Shared Read Blocks'?: number
  Plans?: PlanNode[]
}

function planOf(row: Record<string, unknown> | undefined): PlanSummary {
  const plans = (row?.['QUERY PLAN'] ?? []) as { Plan: PlanNode; 'Execution Time': number }[]
  const document = plans[0]
  return summarise(document?.Plan as PlanNode, document?.['Execution Time'] ?? 0)
}

export function summarise(root: PlanNode, executionMs: number): PlanSummary {
  const nodeTypes: string[] = []
  const indexes: string[] = []
  const seqScans: string[] = []
  const walk = (node: PlanNode) => {
    if (!nodeTypes.includes(node['Node Type'])) nodeTypes.push(node['Node Type'])
    if (node['Index Name'] && !indexes.includes(node['Index Name']))
      indexes.push(node['Index Name'])
    if (
      node['Node Type'].endsWith('Seq Scan') &&
      node['Relation Name'] &&
      !seqScans.includes(node['Relation Name'])
    ) {
      seqScans.push(node['Relation Name'])
    }
    for (const child of node.Plans ?? []) walk(child)
  }
  walk(root)
  return {
    nodeTypes,
    indexes,
    seqScans,
    estimatedRows: root['Plan Rows'],
    actualRows: root['Actual Rows'],
    sharedHitBlocks: root['Shared Hit Blocks'] ?? 0,
    sharedReadBlocks: root['Shared Read Blocks'] ?? 0,
    executionMs: Math.round(executionMs * 100) / 100,
  }
}
