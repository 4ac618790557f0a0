/**
 * SQL lives in src/sql/*.sql (copied to dist/sql by the build). Values always go in as bind
 * parameters ($1, $2 …), never spliced into the text.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { ReservedSql, Sql, TransactionSql } from './connect.js'

const SQL_DIR = fileURLToPath(new URL('../../sql/', import.meta.url))
const cache = new Map<string, string>()

export function sqlDir(): string {
  return SQL_DIR
}

/** The text of src/sql/<name>.sql, e.g. loadSql('queries/status-server'). */
export function loadSql(name: string): string {
  let text = cache.get(name)
  if (text === undefined) {
    text = readFileSync(`${SQL_DIR}${name}.sql`, 'utf8')
    cache.set(name, text)
  }
  return text
}

export type Param = string | number | boolean | null | readonly (string | number)[]

export interface QueryOptions {
  /**
   * Keep the statement prepared on its connection: parsed once, and planned once when
   * PostgreSQL's plan cache finds a generic plan as good as fresh ones. For a query run many
   * times on one connection (reconcile's per-range queries).
   */
  prepare?: boolean
}

/** Runs a named query file with bind parameters and returns its rows. */
export async function query<T extends object>(
  sql: Sql | TransactionSql,
  name: string,
  params: Param[] = [],
  options: QueryOptions = {},
): Promise<T[]> {
  // biome-ignore lint/suspicious/noExplicitAny: postgres.js types parameters loosely
  const rows = await sql.unsafe(loadSql(name), params as any[], { prepare: options.prepare })
  return rows as unknown as T[]
}

/**
 * Sends a named query file at once, without waiting for its result. Queries sent one after
 * another on one connection go out together (pipelined: one round trip for all) and the server
 * still runs them in order, each with its own snapshot.
 */
export function send<T extends object>(
  sql: Sql | ReservedSql | TransactionSql,
  name: string,
  params: Param[] = [],
  options: QueryOptions = {},
): Promise<T[]> {
  // biome-ignore lint/suspicious/noExplicitAny: postgres.js types parameters loosely
  const pending = sql.unsafe(loadSql(name), params as any[], { prepare: options.prepare })
  return pending.execute() as unknown as Promise<T[]>
}
