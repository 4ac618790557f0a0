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
import type { Sql, TransactionSql } from '../db/connect.js'
import { query } from '../db/sql-files.js'
import { onInterrupt } from '../interrupt.js'
import { runQueue } from '../queue.js'
import { TABLES_WITHOUT_SEQUENCE, VRSS_TABLES } from '../schema/manifest.js'
import { copyRows } from './copy.js'
import type { Dataset, TableRows } from './dataset.js'
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
  const superuser = await isSuperuser(sql)
  const started = performance.now()
  const rows = tables.reduce((sum, t) => sum + t.rows.length, 0)
  const parallel = options.emptyTables && superuser && rows >= PARALLEL_MIN_ROWS
  if (parallel) await loadInParallel(sql, tables, options)
  else await loadInOneTransaction(sql, tables, superuser, options)
  const loaded = largestFirst(tables.filter((t) => t.rows.length > 0)).map((t) => t.table)
  return vacuumAndTime(sql, loaded, { parallel, started, onStep: options.onStep })
}

/**
 * After a load has committed its rows: VACUUM (ANALYZE) of `tables`, two at a time, and the
 * load's timings (`started` is when loading began). A failing VACUUM costs speed, not data: it
 * is reported, not thrown.
 */
export async function vacuumAndTime(
  sql: Sql,
  tables: string[],
  load: { parallel: boolean; started: number; onStep?: (message: string) => void },
): Promise<LoadTimings> {
  const loadMs = Math.round(performance.now() - load.started)
  load.onStep?.('Vacuuming and analyzing')
  const vacuumError = await runQueue(tables, PARALLEL_JOBS, async (table) => {
    await sql`vacuum (analyze) ${sql(table)}`
  }).then(
    () => undefined,
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  )
  return {
    strategy: load.parallel ? 'parallel' : 'single-transaction',
    loadMs,
    analyzeMs: Math.round(performance.now() - load.started - loadMs),
    ...(vacuumError ? { vacuumError } : {}),
  }
}

/**
 * VACUUM (ANALYZE) what was loaded, on two connections: fresh statistics for the planner, and a
 * visibility map so that index-only scans (the feed, reconcile) are as fast as they are on a
 * database that autovacuum has visited.
 */
/** The longest jobs first, so that both connections finish at about the same time. */
function largestFirst(tables: TableRows[]): TableRows[] {
  return [...tables].sort((a, b) => b.rows.length - a.rows.length)
}

export async function isSuperuser(sql: Sql): Promise<boolean> {
  const [role] = await query<{ rolsuper: boolean }>(sql, 'seed/is-superuser')
  return Boolean(role?.rolsuper)
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
  const progress = loadMeter(tables, options.onStep)
  const loadTable = async (table: TableRows) => {
    progress.start(table)
    await sql.begin(async (tx) => {
      await tx`select set_config('maintenance_work_mem', '256MB', true)`
      await tx`select set_config('session_replication_role', 'replica', true)`
      const indexes = await dropIndexes(tx, [table.table])
      await copyRows(sql, tx, table)
      for (const index of indexes) await tx.unsafe(index.indexdef)
      await moveSequence(tx, table.table)
    })
    progress.finish(table)
  }
  // Ctrl+C / kill: the tables already committed stay until the next seed removes them.
  const forget = onInterrupt(
    () =>
      'the seed stopped half-way: the next `vrss-db seed` removes the rows it loaded (`status --check` lists them)',
  )
  try {
    // A failure stops the other connection from starting another table; the one it is loading
    // ends first, so that emptying the tables below does not wait for its lock.
    await runQueue(largestFirst(tables), PARALLEL_JOBS, loadTable)
  } catch (err) {
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
export function maxId(table: TableRows): number {
  const column = table.columns.indexOf('id')
  let max = 0
  for (const row of table.rows) if ((row[column] as number) > max) max = row[column] as number
  return max
}

async function loadInOneTransaction(
  sql: Sql,
  tables: TableRows[],
  superuser: boolean,
  options: LoadOptions,
): Promise<void> {
  await sql.begin(async (tx) => {
    const names = tables.map((t) => t.table)
    // A superuser switches triggers off for this transaction only; others table by table.
    if (superuser) await tx`select set_config('session_replication_role', 'replica', true)`
    else for (const name of names) await tx`alter table ${tx(name)} disable trigger user`
    const progress = loadMeter(tables, options.onStep)
    for (const table of tables) {
      progress.start(table)
      await copyRows(sql, tx, table)
      progress.finish(table)
    }
    if (superuser) await tx`select set_config('session_replication_role', 'origin', true)`
    for (const name of names) {
      if (!superuser) await tx`alter table ${tx(name)} enable trigger user`
      await moveSequence(tx, name)
    }
  })
}

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

/**
 * Moves the sequence past the loaded ids, never back: seed reserves its ids up front, and an
 * application inserting meanwhile has moved the sequence further than this load's rows.
 */
export async function moveSequence(tx: TransactionSql, table: string): Promise<void> {
  if (TABLES_WITHOUT_SEQUENCE.includes(table)) return
  await tx`
    select setval(seq, loaded)
    from (select pg_get_serial_sequence(${table}, 'id')::regclass as seq,
                 (select max(id) from ${tx(table)}) as loaded) s
    where loaded > coalesce(pg_sequence_last_value(seq), 0)`
}

export async function dropIndexes(
  tx: TransactionSql,
  tables: string[],
): Promise<{ indexdef: string }[]> {
  const indexes = await query<{ indexname: string; indexdef: string }>(
    tx,
    'seed/secondary-indexes',
    [tables],
  )
  for (const index of indexes) await tx`drop index ${tx(index.indexname)}`
  return indexes
}
