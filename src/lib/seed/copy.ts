/**
 * COPY … FROM STDIN of generated rows: the text format encoding, and the guard against a COPY
 * the server rejected but the driver never reports.
 */
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Sql, TransactionSql } from '../db/connect.js'
import { query } from '../db/sql-files.js'
import { VrssError } from '../errors.js'
import { Json, PgArray, type TableRows, type Value } from './dataset.js'

/**
 * postgres.js 3.4.9 never settles a COPY stream that the server rejects after the last chunk
 * (porsager/postgres#1173): the load would hang with the transaction open. The server's
 * ErrorResponse does reach the driver, which hands it to the COPY query's reject() — a no-op
 * once the query has resolved to the stream. Replacing that reject() catches the server's own
 * error ("duplicate key value violates unique constraint …"), wherever in the stream it comes.
 * A watchdog on a second connection stays as the last resort: should the error never arrive,
 * it ends the aborted backend (which rolls it back) instead of waiting forever.
 */
export async function copyRows(sql: Sql, tx: TransactionSql, table: TableRows): Promise<void> {
  if (table.rows.length === 0) return
  await copyText(sql, tx, table.table, table.columns, chunks(table.rows))
}

/** COPY of COPY-text chunks, pulled as the server takes them (a streamed seed's tables). */
export async function copyText(
  sql: Sql,
  tx: TransactionSql,
  table: string,
  columns: readonly string[],
  source: Iterable<string> | AsyncIterable<string>,
): Promise<void> {
  const [{ pid } = { pid: 0 }] = await tx`select pg_backend_pid() as pid`
  const copy = tx`copy ${tx(table)} (${tx(columns as string[])}) from stdin`
  const writable = await copy.writable()
  const rejected = new Promise<never>((_, reject) => {
    ;(copy as unknown as { reject: (err: unknown) => void }).reject = reject
  })
  let settled = false
  const copied = Promise.race([pipeline(Readable.from(source), writable), rejected]).finally(() => {
    settled = true
  })
  await Promise.race([copied, watchAbortedCopy(sql, pid, table, () => settled)])
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
    const [row] = await query<{ state: string }>(sql, 'seed/backend-state', [pid])
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
