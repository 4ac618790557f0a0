/**
 * The ids a seed writes. The generator numbers each table's rows from a start id, contiguously,
 * and relations point at those numbers, so a table's ids must be one unbroken range that nobody
 * else can take — while the application may be inserting (seed --append on a live database).
 *
 * nextval() cannot hand out a range, and setval() alone is a read-then-write race with the
 * application's nextval(). So the range is reserved under ALTER SEQUENCE's lock, which blocks
 * nextval() until the reserving transaction ends (a few milliseconds): inside it, the start is
 * checked against the sequence and max(id), then the sequence is moved past the range. If the
 * application took ids at or above the start while the dataset was generated, the dataset is
 * generated again further up (ids then have a gap, which sequences have anyway).
 */
import type { Sql, TransactionSql } from '../db/connect.js'
import { query } from '../db/sql-files.js'
import { isPostgresError, VrssError } from '../errors.js'
import { TABLES_WITHOUT_SEQUENCE } from '../schema/manifest.js'
import type { Dataset, IdStart } from './dataset.js'

/**
 * Shorter than deadlock_timeout (1s by default): an application transaction that holds one
 * sequence and waits for another is never reported a deadlock because of us; we give up first
 * and try again.
 */
const RESERVE_LOCK_TIMEOUT = '300ms'
const RESERVE_ATTEMPTS = 10

/** The first id after the table's rows and its sequence: never an id handed out before. */
async function nextId(sql: Sql | TransactionSql, table: string): Promise<number> {
  const [row] = await sql`
    select greatest(
             (select coalesce(max(id), 0) from ${sql(table)}),
             coalesce(pg_sequence_last_value(pg_get_serial_sequence(${table}, 'id')::regclass), 0)
           ) + 1 as next`
  return Number(row?.next)
}

export async function nextIds(sql: Sql, tables: readonly string[]): Promise<IdStart> {
  const ids: Record<string, number> = {}
  for (const table of tables) {
    if (!TABLES_WITHOUT_SEQUENCE.includes(table)) ids[table] = await nextId(sql, table)
  }
  return ids as IdStart
}

/** The highest id the dataset uses per table (tables with a sequence and rows only). */
export function highestIds(ds: Dataset): Record<string, number> {
  const highest: Record<string, number> = {}
  for (const t of ds.all()) {
    const column = t.columns.indexOf('id')
    if (TABLES_WITHOUT_SEQUENCE.includes(t.table) || column < 0 || t.rows.length === 0) continue
    let max = 0
    for (const row of t.rows) if ((row[column] as number) > max) max = row[column] as number
    highest[t.table] = max
  }
  return highest
}

/**
 * Reserves [start, highest] of every table for the dataset. Returns undefined when done, or
 * new starts above what the application took meanwhile (generate again with those).
 *
 * One table per transaction: an application transaction holds the sequence lock of every table
 * it has inserted into until it ends, so holding several of them at once would make a cycle
 * (a deadlock) with any application transaction that inserts into two tables.
 */
export async function reserveIds(
  sql: Sql,
  starts: IdStart,
  highest: Record<string, number>,
): Promise<IdStart | undefined> {
  const moved: Record<string, number> = {}
  for (const [table, max] of Object.entries(highest)) {
    const start = starts[table as keyof IdStart]
    const next = await sql.begin(async (tx) => {
      await tx`select set_config('lock_timeout', ${RESERVE_LOCK_TIMEOUT}, true)`
      await lockSequence(tx, table)
      const now = await nextId(tx, table)
      if (now <= start) await query(tx, 'seed/sequence-set', [table, max])
      return now
    })
    if (next > start) moved[table] = next
  }
  if (Object.keys(moved).length === 0) return undefined
  return nextStarts(starts, highest, moved)
}

/**
 * ALTER SEQUENCE takes a lock that nextval() waits for; setting the increment it already has
 * changes nothing else.
 */
async function lockSequence(tx: TransactionSql, table: string): Promise<void> {
  const [seq] = await query<{ name: string; increment: string }>(tx, 'seed/sequence-of-table', [
    table,
  ])
  if (!seq) return
  // The name comes from the server already quoted; the increment is a number.
  await tx.unsafe(`alter sequence ${seq.name} increment by ${Number(seq.increment)}`)
}

/**
 * Starts for generating again: past the range already reserved, or, where the application
 * advanced the sequence meanwhile, as far again above it as it went (plus a margin), so that
 * the next generation is likely to fit.
 */
function nextStarts(
  starts: IdStart,
  highest: Record<string, number>,
  moved: Record<string, number>,
): IdStart {
  const next: Record<string, number> = { ...starts }
  for (const [table, max] of Object.entries(highest)) {
    const now = moved[table]
    const start = starts[table as keyof IdStart]
    next[table] = now === undefined ? max + 1 : now + 2 * (now - start) + 1000
  }
  return next as IdStart
}

/** A lock wait that gave up (an application transaction held a sequence) is tried again. */
async function reserveWithRetries(
  sql: Sql,
  starts: IdStart,
  highest: Record<string, number>,
): Promise<IdStart | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await reserveIds(sql, starts, highest)
    } catch (err) {
      if (!isPostgresError(err) || err.code !== '55P03' || attempt >= RESERVE_ATTEMPTS) throw err
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt))
    }
  }
}

/**
 * Generates the dataset and reserves its ids, generating again (further up) when the
 * application took ids in between.
 */
export async function generateWithReservedIds<
  T extends { dataset: Dataset; reserve?: Record<string, number> },
>(sql: Sql, tables: readonly string[], generate: (ids: IdStart) => Promise<T>): Promise<T> {
  let starts = await nextIds(sql, tables)
  for (let attempt = 1; ; attempt++) {
    const generated = await generate(starts)
    // A streamed seed also reserves, for the tables it writes later, the most ids they may use.
    const highest = { ...highestIds(generated.dataset), ...generated.reserve }
    const outcome = await reserveWithRetries(sql, starts, highest)
    if (outcome === undefined) return generated
    if (attempt >= RESERVE_ATTEMPTS) {
      throw new VrssError(
        'The application took new ids faster than the seed could reserve a range for its rows',
        {
          hint: 'Seed fewer users at a time (--users), or when the application is quieter.',
          code: 'IDS_TAKEN',
        },
      )
    }
    starts = outcome
  }
}
