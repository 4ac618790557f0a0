/**
 * Loads a generated dataset with COPY. The dataset carries exact counters and storage totals,
 * so triggers are off during the load; sequences are moved past the new ids; triggers are on
 * again afterwards.
 *
 * - Into empty tables, as a superuser, 100K rows or more: each table is one job (COPY with triggers and FK checks
 *   off for that transaction only, secondary indexes dropped and rebuilt), and jobs run
 *   on two connections so that both cores work. If any job fails, the tables are emptied again:
 *   they were empty before, so nothing is lost.
 * - Otherwise (small seeds, appending, no superuser rights): one transaction for everything,
 *   triggers off for that transaction (superuser) or user triggers disabled table by table; any
 *   failure rolls the whole load back.
 */
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Sql, TransactionSql } from '../db/connect.js'
import { VrssError } from '../errors.js'
import { onInterrupt } from '../interrupt.js'
import { TABLES_WITHOUT_SEQUENCE, VRSS_TABLES } from '../schema/manifest.js'
import { type Dataset, Json, PgArray, type TableRows, type Value } from './dataset.js'
import { beginLoad, finishLoad, undoUnfinishedLoads, unfinishedLoads } from './tables.js'

export interface LoadOptions {
  /** Every table to load is empty (a fresh database or --reset). */
  emptyTables: boolean
  /** Recorded with a parallel load, so that an interrupted one can be recognised. */
  seed: number
  users: number
  lockTimeoutMs: number
  onStep?: (message: string) => void
}

export interface LoadTimings {
  strategy: 'parallel' | 'single-transaction'
  loadMs: number
  analyzeMs: number
  /** VACUUM (ANALYZE) after the load failed (the data is complete; plans may be poor). */
  vacuumError?: string
}

const PARALLEL_JOBS = 2
/** Below this, dropping and rebuilding indexes costs more than it saves. */
const PARALLEL_MIN_ROWS = 100_000

export async function loadDataset(
  sql: Sql,
  ds: Dataset,
  options: LoadOptions,
): Promise<LoadTimings> {
  const tables = ds
    .all()
    .sort((a, b) => VRSS_TABLES.indexOf(a.table) - VRSS_TABLES.indexOf(b.table))
  const [role] = await sql`select rolsuper from pg_roles where rolname = current_user`
  const started = performance.now()
  const rows = tables.reduce((sum, t) => sum + t.rows.length, 0)
  const parallel = options.emptyTables && Boolean(role?.rolsuper) && rows >= PARALLEL_MIN_ROWS
  if (parallel) await loadInParallel(sql, tables, options)
  else await loadInOneTransaction(sql, tables, options)
  const loadMs = Math.round(performance.now() - started)
  options.onStep?.('Vacuuming and analyzing')
  // The rows are committed by now: a failing VACUUM costs speed, not data.
  const vacuumError = await vacuumAnalyze(sql, tables).then(
    () => undefined,
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  )
  return {
    strategy: parallel ? 'parallel' : 'single-transaction',
    loadMs,
    analyzeMs: Math.round(performance.now() - started - loadMs),
    ...(vacuumError ? { vacuumError } : {}),
  }
}

/**
 * VACUUM (ANALYZE) what was loaded, on two connections: fresh statistics for the planner, and a
 * visibility map so that index-only scans (the feed, reconcile) are as fast as they are on a
 * database that autovacuum has visited.
 */
async function vacuumAnalyze(sql: Sql, tables: TableRows[]): Promise<void> {
  const queue = tables
    .filter((t) => t.rows.length > 0)
    .sort((a, b) => b.rows.length - a.rows.length)
  const worker = async () => {
    for (let table = queue.shift(); table; table = queue.shift())
      await sql`vacuum (analyze) ${sql(table.table)}`
  }
  await Promise.all(Array.from({ length: PARALLEL_JOBS }, worker))
}

/**
 * Tables load in separate transactions here, so the load is recorded first (vrss_seed_loads):
 * if the process dies half-way, the next seed finds the record and empties the tables again.
 */
async function loadInParallel(sql: Sql, tables: TableRows[], options: LoadOptions): Promise<void> {
  const loadId = await beginLoad(sql, {
    seed: options.seed,
    users: options.users,
    // Tables whose ids the API makes (UUIDs) are emptied too, but cannot be checked by id.
    maxIds: Object.fromEntries(
      tables.map((t) => [
        t.table,
        TABLES_WITHOUT_SEQUENCE.includes(t.table)
          ? t.rows.map((row) => String(row[t.columns.indexOf('id')]))
          : maxId(t),
      ]),
    ),
  })
  const queue = [...tables].sort((a, b) => b.rows.length - a.rows.length)
  const progress = loadMeter(tables, options.onStep)
  const worker = async () => {
    for (let table = queue.shift(); table; table = queue.shift()) {
      const current = table
      progress.start(current)
      await sql.begin(async (tx) => {
        await tx`select set_config('maintenance_work_mem', '256MB', true)`
        await tx`select set_config('session_replication_role', 'replica', true)`
        const indexes = await dropIndexes(tx, [current.table])
        await copyRows(sql, tx, current)
        for (const index of indexes) await tx.unsafe(index.indexdef)
        await moveSequence(tx, current.table)
      })
      progress.finish(current)
    }
  }
  // Ctrl+C / kill: the tables already committed stay until the next seed removes them.
  const forget = onInterrupt(
    () =>
      'the seed stopped half-way: the next `vrss-db seed` removes the rows it loaded (`status --check` lists them)',
  )
  try {
    await Promise.all(Array.from({ length: PARALLEL_JOBS }, worker))
  } catch (err) {
    queue.length = 0
    // The tables were empty before: emptying them again restores exactly that state. If even
    // that fails, the record stays and the next seed does it.
    const [load] = (await unfinishedLoads(sql)).filter((l) => l.id === loadId)
    if (load) await undoUnfinishedLoads(sql, [load], options.lockTimeoutMs).catch(() => undefined)
    throw err
  } finally {
    forget()
  }
  await finishLoad(sql, loadId)
}

/** The highest id among the rows. */
function maxId(table: TableRows): number {
  const column = table.columns.indexOf('id')
  let max = 0
  for (const row of table.rows) if ((row[column] as number) > max) max = row[column] as number
  return max
}

async function loadInOneTransaction(
  sql: Sql,
  tables: TableRows[],
  options: LoadOptions,
): Promise<void> {
  const [role] = await sql`select rolsuper from pg_roles where rolname = current_user`
  await sql.begin(async (tx) => {
    const names = tables.map((t) => t.table)
    // A superuser switches triggers off for this transaction only; others table by table.
    if (role?.rolsuper) await tx`select set_config('session_replication_role', 'replica', true)`
    else for (const name of names) await tx`alter table ${tx(name)} disable trigger user`
    const progress = loadMeter(tables, options.onStep)
    for (const table of tables) {
      progress.start(table)
      await copyRows(sql, tx, table)
      progress.finish(table)
    }
    if (role?.rolsuper) await tx`select set_config('session_replication_role', 'origin', true)`
    for (const name of names) {
      if (!role?.rolsuper) await tx`alter table ${tx(name)} enable trigger user`
      await moveSequence(tx, name)
    }
  })
}

/**
 * Moves the sequence past the loaded ids, never back: seed reserves its ids up front, and an
 * application inserting meanwhile has moved the sequence further than this load's rows.
 */
/** The progress line of a load: the table now loading, rows so far, rate and time left. */
export function loadMeter(tables: TableRows[], onStep: ((message: string) => void) | undefined) {
  const total = tables.reduce((sum, t) => sum + t.rows.length, 0)
  const started = performance.now()
  let done = 0
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
  const overall = () => {
    const seconds = (performance.now() - started) / 1000
    const rate = seconds > 0 ? done / seconds : 0
    const left = rate > 0 ? ` · about ${Math.ceil((total - done) / rate)} s left` : ''
    return `${fmt(done)} of ${fmt(total)} rows (${Math.floor((done / Math.max(total, 1)) * 100)}%)${rate > 0 ? ` · ${fmt(rate)} rows/s` : ''}${left}`
  }
  return {
    start: (table: TableRows) =>
      onStep?.(`Loading ${table.table} (${fmt(table.rows.length)} rows) · ${overall()}`),
    finish: (table: TableRows) => {
      done += table.rows.length
      onStep?.(`Loaded ${table.table} · ${overall()}`)
    },
  }
}

async function moveSequence(tx: TransactionSql, table: string): Promise<void> {
  if (TABLES_WITHOUT_SEQUENCE.includes(table)) return
  await tx`
    select setval(seq, loaded)
    from (select pg_get_serial_sequence(${table}, 'id')::regclass as seq,
                 (select max(id) from ${tx(table)}) as loaded) s
    where loaded > coalesce(pg_sequence_last_value(seq), 0)`
}

async function dropIndexes(tx: TransactionSql, tables: string[]): Promise<{ indexdef: string }[]> {
  const indexes = await tx<{ indexname: string; indexdef: string }[]>`
    select indexname, indexdef from pg_indexes
    where schemaname = current_schema() and tablename = any(${tables}) and indexname like 'idx\\_%'`
  for (const index of indexes) await tx`drop index ${tx(index.indexname)}`
  return indexes
}

/**
 * postgres.js 3.4.9 never settles a COPY stream that the server rejects after the last chunk
 * (porsager/postgres#1173): the load would hang with the transaction open. The server's
 * ErrorResponse does reach the driver, which hands it to the COPY query's reject() — a no-op
 * once the query has resolved to the stream. Replacing that reject() catches the server's own
 * error ("duplicate key value violates unique constraint …"), wherever in the stream it comes.
 * A watchdog on a second connection stays as the last resort: should the error never arrive,
 * it ends the aborted backend (which rolls it back) instead of waiting forever.
 */
async function copyRows(sql: Sql, tx: TransactionSql, table: TableRows): Promise<void> {
  if (table.rows.length === 0) return
  const [{ pid } = { pid: 0 }] = await tx`select pg_backend_pid() as pid`
  const copy = tx`copy ${tx(table.table)} (${tx(table.columns as string[])}) from stdin`
  const writable = await copy.writable()
  const rejected = new Promise<never>((_, reject) => {
    ;(copy as unknown as { reject: (err: unknown) => void }).reject = reject
  })
  let settled = false
  const copied = Promise.race([
    pipeline(Readable.from(chunks(table.rows)), writable),
    rejected,
  ]).finally(() => {
    settled = true
  })
  await Promise.race([copied, watchAbortedCopy(sql, pid, table.table, () => settled)])
}

/** How long the driver gets to deliver the server's error before the backend is ended. */
const COPY_ERROR_GRACE_MS = 2000

async function watchAbortedCopy(
  sql: Sql,
  pid: number,
  table: string,
  settled: () => boolean,
): Promise<void> {
  while (!settled()) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    const [row] = await sql`select state from pg_stat_activity where pid = ${pid}`
    if (settled() || row?.state !== 'idle in transaction (aborted)') continue
    await new Promise((resolve) => setTimeout(resolve, COPY_ERROR_GRACE_MS))
    if (settled()) return
    await sql`select pg_terminate_backend(${pid})`
    throw new VrssError(`The server rejected the rows for ${table}; nothing was written`, {
      hint: 'Run with --debug to see the server log, which names the row and the reason.',
      code: 'COPY_FAILED',
    })
  }
}

/** COPY text format, ~1 MB per chunk. */
function* chunks(rows: Value[][]): Generator<string> {
  let buffer = ''
  for (const row of rows) {
    buffer += encodeRow(row)
    if (buffer.length > 1 << 20) {
      yield buffer
      buffer = ''
    }
  }
  if (buffer) yield buffer
}

/** One COPY line. A plain loop: this runs for every one of millions of rows. */
export function encodeRow(row: Value[]): string {
  let line = ''
  for (let i = 0; i < row.length; i++) {
    if (i > 0) line += '\t'
    line += encode(row[i] as Value)
  }
  return `${line}\n`
}

const NEEDS_ESCAPE = /[\\\t\n\r]/

export function encode(value: Value): string {
  switch (typeof value) {
    case 'number':
      return String(value)
    case 'string':
      return NEEDS_ESCAPE.test(value) ? escapeCopyText(value) : value
    case 'boolean':
      return value ? 't' : 'f'
  }
  if (value === null || value === undefined) return '\\N'
  if (value instanceof Date) return value.toISOString()
  if (value instanceof PgArray) return `{${value.values.join(',')}}`
  if (value instanceof Json) return escapeCopyText(JSON.stringify(value.value))
  return escapeCopyText(JSON.stringify(value))
}

function escapeCopyText(text: string): string {
  return text.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  )
}
