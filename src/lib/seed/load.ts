/**
 * Loads a generated dataset with COPY in one transaction: user triggers off during the load
 * (the dataset carries exact counters and storage totals), secondary indexes dropped and rebuilt
 * afterwards when the tables start empty, sequences moved past the new ids, triggers back on.
 * Any failure rolls the whole load back.
 */
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Sql, TransactionSql } from '../connect.js'
import { VrssError } from '../errors.js'
import { VRSS_TABLES } from '../manifest.js'
import { type Dataset, Json, PgArray, type TableRows, type Value } from './dataset.js'

export interface LoadOptions {
  /** Drop idx_* indexes before the load and rebuild them after (fastest into empty tables). */
  rebuildIndexes: boolean
  onStep?: (message: string) => void
}

export async function loadDataset(sql: Sql, ds: Dataset, options: LoadOptions): Promise<void> {
  const tables = ds
    .all()
    .sort((a, b) => VRSS_TABLES.indexOf(a.table) - VRSS_TABLES.indexOf(b.table))
  await sql.begin(async (tx) => {
    await tx`select set_config('maintenance_work_mem', '512MB', true)`
    const names = tables.map((t) => t.table)
    // A superuser can switch off every trigger, foreign-key checks included, for this
    // transaction only (the dataset's ids are consistent by construction); others switch off
    // the user triggers table by table.
    const [role] = await tx`select rolsuper from pg_roles where rolname = current_user`
    const superuser = Boolean(role?.rolsuper)
    if (superuser) await tx`select set_config('session_replication_role', 'replica', true)`
    else for (const name of names) await tx`alter table ${tx(name)} disable trigger user`
    const indexes = options.rebuildIndexes ? await dropIndexes(tx, names) : []
    for (const table of tables) {
      options.onStep?.(`Loading ${table.table} (${table.rows.length.toLocaleString('en-US')} rows)`)
      await copyRows(sql, tx, table)
    }
    if (indexes.length > 0) options.onStep?.(`Building ${indexes.length} indexes`)
    for (const index of indexes) await tx.unsafe(index.indexdef)
    if (superuser) await tx`select set_config('session_replication_role', 'origin', true)`
    for (const name of names) {
      if (!superuser) await tx`alter table ${tx(name)} enable trigger user`
      await tx`
        select setval(pg_get_serial_sequence(${name}, 'id'), greatest((select max(id) from ${tx(name)}), 1))`
    }
  })
  options.onStep?.('Analyzing')
  for (const table of tables) await sql`analyze ${sql(table.table)}`
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
 * (porsager/postgres#1173): the load would hang with the transaction open. A watchdog on a
 * second connection notices the aborted transaction, ends that backend (which rolls it back)
 * and reports the failure instead.
 */
async function copyRows(sql: Sql, tx: TransactionSql, table: TableRows): Promise<void> {
  if (table.rows.length === 0) return
  const [{ pid } = { pid: 0 }] = await tx`select pg_backend_pid() as pid`
  const writable =
    await tx`copy ${tx(table.table)} (${tx(table.columns as string[])}) from stdin`.writable()
  let done = false
  const copied = pipeline(Readable.from(chunks(table.rows)), writable).finally(() => {
    done = true
  })
  const watchdog = (async () => {
    while (!done) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      const [row] = await sql`select state from pg_stat_activity where pid = ${pid}`
      if (!done && row?.state === 'idle in transaction (aborted)') {
        await sql`select pg_terminate_backend(${pid})`
        throw new VrssError(
          `The server rejected the rows for ${table.table}; nothing was written`,
          {
            hint: 'Run with --debug to see the server log, which names the row and the reason.',
            code: 'COPY_FAILED',
          },
        )
      }
    }
  })()
  await Promise.race([copied, watchdog])
}

/** COPY text format, ~1 MB per chunk. */
function* chunks(rows: Value[][]): Generator<string> {
  let buffer = ''
  for (const row of rows) {
    buffer += `${row.map(encode).join('\t')}\n`
    if (buffer.length > 1 << 20) {
      yield buffer
      buffer = ''
    }
  }
  if (buffer) yield buffer
}

export function encode(value: Value): string {
  if (value === null || value === undefined) return '\\N'
  if (typeof value === 'string') return escapeCopyText(value)
  if (typeof value === 'number') return String(value)
  if (typeof value === 'boolean') return value ? 't' : 'f'
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
