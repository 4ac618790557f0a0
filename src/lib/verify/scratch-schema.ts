/**
 * The scratch schema of `verify-triggers --concurrency`: a copy of the live tables (LIKE …
 * INCLUDING ALL), the live trigger functions and the live triggers (with their enabled state),
 * so the races test what this database really runs without touching a real row. It is always
 * dropped: at the end, on SIGINT/SIGTERM, and, after a kill -9, by the next run
 * (removeLeftovers).
 */
import { randomBytes } from 'node:crypto'
import type { ReservedSql, Sql } from '../db/connect.js'
import { withReservedConnection, withTransaction } from '../db/sessions.js'
import { query } from '../db/sql-files.js'
import { isPostgresError, VrssError } from '../errors.js'

/** The tables the races need, copied from the live schema. */
const TABLES = [
  'subscription_tiers',
  'users',
  'storage_usage',
  'posts',
  'post_media',
  'post_interactions',
  'user_follows',
  'friendships',
]
/** Copied too when the live schema has them (later phases). */
const OPTIONAL_TABLES = [
  'post_counter_deltas',
  'feed_timeline_readers',
  'feed_timeline_sources',
  'feed_timeline_entries',
]
/** The only schemas removeLeftovers ever drops: this name pattern and this comment. */
const SCRATCH_NAME = /^vrss_verify_[0-9a-f]{8}$/
export const SCRATCH_MARKER = 'vrss-db verify-triggers scratch schema'

/** A fresh name matching SCRATCH_NAME. */
export function newScratchName(): string {
  return `vrss_verify_${randomBytes(4).toString('hex')}`
}

/** The owner connection reports warnings only: "drop cascades to N other objects" is no news. */
export async function dropScratchSchema(owner: ReservedSql, schema: string): Promise<void> {
  await owner.unsafe(`drop schema if exists ${schema} cascade`)
}

/**
 * Drops the scratch schemas of runs that died (kill -9, a lost connection): only schemas named
 * vrss_verify_<8 hex> that carry SCRATCH_MARKER and whose advisory lock is free. Returns them.
 */
export async function removeLeftovers(sql: Sql): Promise<string[]> {
  const removed: string[] = []
  const leftovers = await findLeftovers(sql)
  if (leftovers.length === 0) return removed
  await withReservedConnection(sql, async (conn) => {
    for (const schema of leftovers) {
      // A transaction-level lock: released by the commit even through a transaction-mode pooler
      // (PgBouncer), where a session lock could stay behind on a pooled server session.
      const dropped = await withTransaction(conn, async () => {
        const [row] = await conn`
          select pg_try_advisory_xact_lock(hashtextextended(${schema}, 0)) as free,
                 set_config('client_min_messages', 'warning', true)`
        if (!row?.free) return false
        await dropScratchSchema(conn, schema)
        return true
      })
      if (dropped) removed.push(schema)
    }
  })
  return removed
}

/** Scratch schemas whose run is over (read-only: for status too). */
export async function findLeftovers(sql: Sql): Promise<string[]> {
  const rows = await query<{ name: string }>(sql, 'queries/verify-leftovers', [SCRATCH_MARKER])
  return rows.map((row) => row.name).filter((name) => SCRATCH_NAME.test(name))
}

interface LiveTrigger {
  definition: string
  name: string
  table: string
  /** pg_trigger.tgenabled: 'D' when disabled. */
  enabled: string
}

export interface LiveSchema {
  /** For SQL text and search_path. */
  quoted: string
  name: string
}

/**
 * The VRSS tables are not always in public: the role's or database's search_path may put them
 * in a schema of their own, and the scratch copy must copy those and resolve names like them.
 */
export async function liveSchema(sql: Sql): Promise<LiveSchema> {
  const [row] = await query<LiveSchema>(sql, 'queries/verify-live-schema')
  if (!row) {
    throw new VrssError('--concurrency found no users table on the search_path', {
      hint: 'Run `vrss-db migrate` first, or set search_path to the schema of the VRSS tables.',
      code: 'NOT_MIGRATED',
    })
  }
  return row
}

export async function createScratchSchema(
  sql: Sql,
  owner: ReservedSql,
  schema: string,
  live: LiveSchema,
): Promise<void> {
  try {
    // One transaction: a run killed in between must not leave a schema without its marker,
    // which removeLeftovers would never drop. Both names are ours (a constant and random hex):
    // nothing to quote.
    await withTransaction(owner, async () => {
      await owner.unsafe(`create schema ${schema}`)
      await owner.unsafe(`comment on schema ${schema} is '${SCRATCH_MARKER}'`)
    })
  } catch (err) {
    if (isPostgresError(err) && err.code === '42501') {
      throw new VrssError(
        '--concurrency needs a scratch schema, and this user may not create one',
        {
          hint: 'Run it as a user with CREATE on the database (nothing else of the database is touched), or leave out --concurrency.',
          code: 'NO_SCRATCH_SCHEMA',
        },
      )
    }
    throw err
  }
  try {
    await sql.begin(async (tx) => {
      // Whatever a definition leaves unqualified lands in the scratch schema, never the live one.
      await tx.unsafe(`set local search_path = ${schema}, ${live.quoted}`)
      const optional = await query<{ name: string }>(tx, 'verify/optional-tables', [
        live.name,
        OPTIONAL_TABLES,
      ])
      const tables = [...TABLES, ...optional.map((t) => t.name)]
      for (const table of tables)
        await tx.unsafe(
          `create table ${schema}.${table} (like ${live.quoted}.${table} including all)`,
        )
      const functions = await query<{ definition: string }>(tx, 'verify/live-functions', [
        live.name,
      ])
      for (const f of functions) {
        await tx.unsafe(
          f.definition.replace(
            /^CREATE OR REPLACE FUNCTION \S+?\./,
            `CREATE OR REPLACE FUNCTION ${schema}.`,
          ),
        )
      }
      const triggers = await query<LiveTrigger>(tx, 'verify/live-triggers', [live.name, tables])
      for (const t of triggers) {
        const definition = t.definition
          .replace(/ ON \S+?\./, ` ON ${schema}.`)
          .replace(/EXECUTE FUNCTION (?:\S+?\.)?/, `EXECUTE FUNCTION ${schema}.`)
        await tx.unsafe(definition)
        if (t.enabled === 'D')
          await tx.unsafe(`alter table ${schema}.${t.table} disable trigger ${t.name}`)
      }
    })
  } catch (err) {
    await dropScratchSchema(owner, schema).catch(() => undefined)
    throw err
  }
}
