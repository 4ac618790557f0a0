/**
 * The scratch copies `vrss-db bench` drives: two schemas on the target, `<run>_real` with the
 * live tables (LIKE … INCLUDING ALL, storage parameters), foreign keys, vrss_* functions and
 * triggers, and `<run>_floor` with the same tables and the same rows but no triggers and no
 * foreign keys (the trigger-free floor, as session_replication_role = replica would measure,
 * without disabling anything for anyone else). Nothing outside them is written. They are
 * dropped at the end and on Ctrl+C; after a kill -9 the next run drops them (removeLeftovers).
 */
import { randomBytes } from 'node:crypto'
import type { CoreContext } from '../core.js'
import type { ReservedSql, Sql, TransactionSql } from '../db/connect.js'
import { withReservedConnection, withTransaction } from '../db/sessions.js'
import { query } from '../db/sql-files.js'
import { onInterrupt } from '../interrupt.js'
import { type LiveSchema, liveSchema } from '../verify/scratch-schema.js'

/** The tables the workloads write or their triggers touch; later phases' tables when present. */
export const BENCH_TABLES = [
  'subscription_tiers',
  'users',
  'storage_usage',
  'posts',
  'post_media',
  'post_interactions',
  'user_follows',
  'friendships',
  'comments',
  'reposts',
  'post_counter_deltas',
  // Phase 10: the follow trigger reads and writes them; copied (empty of readers) so that it
  // finds the scratch tables, never the live ones further down the search_path.
  'feed_timeline_readers',
  'feed_timeline_sources',
  'feed_timeline_entries',
]
export const BENCH_MARKER = 'vrss-db bench scratch schema'
const QUOTA_BYTES = 52_428_800
/** Every user's storage starts this far below the quota (uploads.sql adds at most half). */
export const HEADROOM_BYTES = 2 * 1_048_576

export interface BenchData {
  users: number
  posts: number
}

export interface BenchScratch {
  real: string
  floor: string
  live: LiveSchema
  searchPath: (schema: string) => string
}

export async function withBenchScratch<T>(
  ctx: CoreContext,
  data: BenchData,
  fn: (scratch: BenchScratch) => Promise<T>,
): Promise<T> {
  await removeLeftovers(ctx.sql)
  const run = `vrss_bench_${randomBytes(4).toString('hex')}`
  const real = `${run}_real`
  const floor = `${run}_floor`
  return withReservedConnection(ctx.sql, async (owner) => {
    // Held from before the schemas exist until after they are gone: a marked schema whose lock
    // is free was left by a run that died.
    await owner`select pg_advisory_lock(hashtextextended(${run}, 0)),
                       set_config('client_min_messages', 'warning', false)`
    const drop = () => dropSchemas(owner, [real, floor])
    const stopWatching = onInterrupt(async () => {
      const dropped = await Promise.race([
        drop().then(
          () => true,
          () => false,
        ),
        new Promise<boolean>((resolve) => setTimeout(resolve, 5000, false).unref()),
      ])
      return dropped
        ? `the bench schemas ${run}_* were dropped`
        : `the bench schemas ${run}_* could not be dropped now (the next bench run removes them)`
    })
    try {
      const live = await liveSchema(ctx.sql)
      await withTransaction(owner, async () => {
        for (const schema of [real, floor]) {
          await owner.unsafe(`create schema ${schema}`)
          await owner.unsafe(`comment on schema ${schema} is '${BENCH_MARKER}'`)
        }
      })
      await ctx.sql.begin((tx) => build(tx, { real, floor, live }, data))
      await ctx.sql.unsafe(
        `analyze ${BENCH_TABLES.slice(0, 10)
          .map((t) => `${real}.${t}`)
          .join(', ')}`,
      )
      await ctx.sql.unsafe(
        `analyze ${BENCH_TABLES.slice(0, 10)
          .map((t) => `${floor}.${t}`)
          .join(', ')}`,
      )
      return await fn({ real, floor, live, searchPath: (s) => `${s}, ${live.quoted}` })
    } finally {
      await drop()
      stopWatching()
      await owner`select pg_advisory_unlock(hashtextextended(${run}, 0))`
      await owner.unsafe('reset client_min_messages')
    }
  })
}

async function dropSchemas(owner: ReservedSql, schemas: string[]): Promise<void> {
  for (const schema of schemas) await owner.unsafe(`drop schema if exists ${schema} cascade`)
}

interface TableRow {
  name: string
  reloptions: string
  has_identity: boolean
}

async function build(
  tx: TransactionSql,
  { real, floor, live }: { real: string; floor: string; live: LiveSchema },
  data: BenchData,
): Promise<void> {
  // Definitions are read with the live schema alone on the search_path (names come
  // unqualified) and run with the scratch schema first (they resolve to the copies).
  await tx.unsafe(`set local search_path = ${live.quoted}`)
  const tables = await query<TableRow>(tx, 'bench/tables', [live.name, BENCH_TABLES])
  const names = tables.map((t) => t.name)
  const functions = await query<{ definition: string }>(tx, 'verify/live-functions', [live.name])
  const triggers = await query<{
    definition: string
    name: string
    table: string
    enabled: string
  }>(tx, 'verify/live-triggers', [live.name, names])
  const keys = await query<{ table: string; name: string; definition: string }>(
    tx,
    'bench/foreign-keys',
    [live.name, names],
  )
  for (const schema of [real, floor]) {
    for (const t of tables) {
      await tx.unsafe(
        `create table ${schema}.${t.name} (like ${live.quoted}.${t.name} including all)`,
      )
      if (t.reloptions) await tx.unsafe(`alter table ${schema}.${t.name} set (${t.reloptions})`)
    }
  }
  await tx.unsafe(`set local search_path = ${real}, ${live.quoted}`)
  await query(tx, 'bench/load-tiers', [QUOTA_BYTES])
  await query(tx, 'bench/load-users', [data.users])
  await query(tx, 'bench/load-posts', [data.users, data.posts])
  await query(tx, 'bench/load-media', [data.users, QUOTA_BYTES - HEADROOM_BYTES])
  await query(tx, 'bench/load-storage', [data.users, QUOTA_BYTES - HEADROOM_BYTES, QUOTA_BYTES])
  for (const t of tables) {
    await tx.unsafe(
      `insert into ${floor}.${t.name} overriding system value select * from ${real}.${t.name}`,
    )
    if (t.has_identity) {
      for (const schema of [real, floor]) {
        await tx.unsafe(
          `select setval(pg_get_serial_sequence('${schema}.${t.name}', 'id'), coalesce((select max(id) from ${schema}.${t.name}), 0) + 1, false)`,
        )
      }
    }
  }
  for (const f of functions) {
    await tx.unsafe(
      f.definition.replace(
        /^CREATE OR REPLACE FUNCTION \S+?\./,
        `CREATE OR REPLACE FUNCTION ${real}.`,
      ),
    )
  }
  for (const t of triggers) {
    await tx.unsafe(
      t.definition
        .replace(/ ON \S+?\./, ` ON ${real}.`)
        .replace(/EXECUTE FUNCTION (?:\S+?\.)?/, `EXECUTE FUNCTION ${real}.`),
    )
    if (t.enabled === 'D')
      await tx.unsafe(`alter table ${real}.${t.table} disable trigger ${t.name}`)
  }
  for (const k of keys) {
    await tx.unsafe(`alter table ${real}.${k.table} add constraint ${k.name} ${k.definition}`)
  }
}

/** Drops the bench schemas of runs that died (marked, named vrss_bench_…, lock free). */
export async function removeLeftovers(sql: Sql): Promise<string[]> {
  const rows = await query<{ name: string }>(sql, 'bench/leftovers', [BENCH_MARKER])
  if (rows.length === 0) return []
  const removed: string[] = []
  await withReservedConnection(sql, async (conn) => {
    await conn`select set_config('client_min_messages', 'warning', false)`
    for (const { name } of rows) {
      const run = name.slice(0, 19)
      const [row] = await conn`select pg_try_advisory_lock(hashtextextended(${run}, 0)) as free`
      if (!row?.free) continue
      try {
        await dropSchemas(conn, [name])
        removed.push(name)
      } finally {
        await conn`select pg_advisory_unlock(hashtextextended(${run}, 0))`
      }
    }
    await conn.unsafe('reset client_min_messages')
  })
  return removed
}
