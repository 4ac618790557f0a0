/**
 * Concurrency proofs (`verify-triggers --concurrency`). Races need several connections and
 * committed data, so they run in a scratch schema that copies the live tables (LIKE … INCLUDING
 * ALL), the live trigger functions and the live triggers (with their enabled state) — it tests
 * what this database really runs, without touching a real row — and is always dropped: at the
 * end, on SIGINT/SIGTERM, and, after a kill -9, by the next run (removeLeftovers).
 */
import { randomBytes } from 'node:crypto'
import type { ReservedSql, Sql } from '../db/connect.js'
import { withReservedConnection } from '../db/sessions.js'
import { query } from '../db/sql-files.js'
import type { ConnectionSpec } from '../db/target.js'
import { isPostgresError, VrssError } from '../errors.js'
import { onInterrupt } from '../interrupt.js'
import { Random } from '../random.js'
import type { ProofResult } from './proofs.js'

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
const CONNECTIONS = 8
/** The only schemas removeLeftovers ever drops: this name pattern and this comment. */
const SCRATCH_NAME = /^vrss_verify_[0-9a-f]{8}$/
export const SCRATCH_MARKER = 'vrss-db verify-triggers scratch schema'
/** How long an interrupted run may spend dropping its schema before it exits anyway. */
const INTERRUPT_CLEANUP_MS = 8000

export interface ConcurrencyOptions {
  pairs: number
  uploads: number
  likeOperations: number
}

export const DEFAULT_CONCURRENCY: ConcurrencyOptions = {
  pairs: 100,
  uploads: 40,
  likeOperations: 400,
}

export async function runConcurrencyProofs(
  sql: Sql,
  spec: ConnectionSpec,
  options: ConcurrencyOptions = DEFAULT_CONCURRENCY,
): Promise<ProofResult[]> {
  const schema = `vrss_verify_${randomBytes(4).toString('hex')}`
  // The owner connection holds the schema's advisory lock for the whole run (taken before the
  // schema exists): a marked schema whose lock is free was left by a run that died.
  return withReservedConnection(sql, async (owner) => {
    await owner`select pg_advisory_lock(hashtextextended(${schema}, 0)),
                       set_config('client_min_messages', 'warning', false)`
    let pool: Sql | undefined
    // Ctrl+C / kill: drop the schema before the connections close (bounded; the next run
    // removes what a failed drop leaves).
    const stopWatching = onInterrupt(async () => {
      const dropped = (async () => {
        // The proofs' open transactions would hold up the drop: end them first.
        await pool?.end({ timeout: 0 })
        await dropScratchSchema(owner, schema)
        return true
      })().catch(() => false)
      const giveUp = new Promise<boolean>((resolve) =>
        setTimeout(resolve, INTERRUPT_CLEANUP_MS, false).unref(),
      )
      return (await Promise.race([dropped, giveUp]))
        ? `the scratch schema ${schema} was dropped`
        : `the scratch schema ${schema} could not be dropped now (the next verify-triggers run removes it)`
    })
    try {
      const live = await liveSchema(sql)
      await createScratchSchema(sql, owner, schema, live)
      // Imported here so that loading the CLI does not load the driver (start-up time).
      const { createSql } = await import('../db/connect.js')
      pool = createSql(spec, {
        max: CONNECTIONS,
        connection: { search_path: `${schema}, ${live.quoted}` },
      })
      return await runProofs(pool, options)
    } finally {
      await pool?.end({ timeout: 5 })
      await dropScratchSchema(owner, schema)
      stopWatching()
      await owner`select pg_advisory_unlock(hashtextextended(${schema}, 0))`
      await owner.unsafe('reset client_min_messages')
    }
  })
}

async function runProofs(pool: Sql, options: ConcurrencyOptions): Promise<ProofResult[]> {
  return [
    await timed(
      `simultaneous mutual follows (${options.pairs} pairs, both directions at once, ${CONNECTIONS} connections)`,
      () => mutualFollows(pool, options.pairs),
    ),
    await timed(
      `concurrent uploads at the quota edge (${options.uploads} uploads, ${CONNECTIONS} connections)`,
      () => quotaRace(pool, options.uploads),
    ),
    await timed(
      `like/unlike storm (${options.likeOperations} operations, ${CONNECTIONS} connections)`,
      () => likeStorm(pool, options.likeOperations),
    ),
  ]
}

/** The owner connection reports warnings only: "drop cascades to N other objects" is no news. */
async function dropScratchSchema(owner: ReservedSql, schema: string): Promise<void> {
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
    await conn`select set_config('client_min_messages', 'warning', false)`
    for (const schema of leftovers) {
      const [row] = await conn`select pg_try_advisory_lock(hashtextextended(${schema}, 0)) as free`
      if (!row?.free) continue
      try {
        await dropScratchSchema(conn, schema)
        removed.push(schema)
      } finally {
        await conn`select pg_advisory_unlock(hashtextextended(${schema}, 0))`
      }
    }
    await conn.unsafe('reset client_min_messages')
  })
  return removed
}

/** Scratch schemas whose run is over (read-only: for status too). */
export async function findLeftovers(sql: Sql): Promise<string[]> {
  const rows = await query<{ name: string }>(sql, 'queries/verify-leftovers', [SCRATCH_MARKER])
  return rows.map((row) => row.name).filter((name) => SCRATCH_NAME.test(name))
}

interface LiveSchema {
  /** For SQL text and search_path. */
  quoted: string
  name: string
}

/**
 * The VRSS tables are not always in public: the role's or database's search_path may put them
 * in a schema of their own, and the scratch copy must copy those and resolve names like them.
 */
async function liveSchema(sql: Sql): Promise<LiveSchema> {
  const [row] = await query<LiveSchema>(sql, 'queries/verify-live-schema')
  if (!row) {
    throw new VrssError('--concurrency found no users table on the search_path', {
      hint: 'Run `vrss-db migrate` first, or set search_path to the schema of the VRSS tables.',
      code: 'NOT_MIGRATED',
    })
  }
  return row
}

async function createScratchSchema(
  sql: Sql,
  owner: ReservedSql,
  schema: string,
  live: LiveSchema,
): Promise<void> {
  try {
    // Both names are ours (a constant and random hex): nothing to quote.
    await owner.unsafe(`create schema ${schema}`)
    await owner.unsafe(`comment on schema ${schema} is '${SCRATCH_MARKER}'`)
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
      for (const table of TABLES)
        await tx.unsafe(
          `create table ${schema}.${table} (like ${live.quoted}.${table} including all)`,
        )
      const functions = await tx`
        select pg_get_functiondef(p.oid) as definition from pg_proc p
        join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = ${live.name} and p.proname like 'vrss\\_%'`
      for (const f of functions) {
        await tx.unsafe(
          (f.definition as string).replace(
            /^CREATE OR REPLACE FUNCTION \S+?\./,
            `CREATE OR REPLACE FUNCTION ${schema}.`,
          ),
        )
      }
      const triggers = await tx`
        select pg_get_triggerdef(tg.oid) as definition, tg.tgname as name, t.relname as table, tg.tgenabled::text as enabled
        from pg_trigger tg join pg_class t on t.oid = tg.tgrelid
        join pg_namespace n on n.oid = t.relnamespace
        where not tg.tgisinternal and n.nspname = ${live.name} and t.relname = any(${TABLES})`
      for (const t of triggers) {
        const definition = (t.definition as string)
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

async function timed(
  name: string,
  fn: () => Promise<Omit<ProofResult, 'name' | 'ms'>>,
): Promise<ProofResult> {
  const started = performance.now()
  try {
    return { name, ...(await fn()), ms: Math.round(performance.now() - started) }
  } catch (err) {
    return {
      name,
      ok: false,
      ms: Math.round(performance.now() - started),
      error: (err as Error).message,
    }
  }
}

async function makeUsers(pool: Sql, count: number): Promise<number[]> {
  const prefix = `vv${randomBytes(3).toString('hex')}`
  const rows = await pool`
    insert into users (username, email, password_hash)
    select ${prefix} || '_' || g, ${prefix} || '_' || g || '@verify.invalid', 'x'
    from generate_series(1, ${count}::int) g
    returning id`
  return rows.map((r) => r.id as number)
}

async function mutualFollows(pool: Sql, pairs: number) {
  const users = await makeUsers(pool, pairs * 2)
  await Promise.all(
    Array.from({ length: pairs }, (_, i) => {
      const [a, b] = [users[2 * i] as number, users[2 * i + 1] as number]
      return Promise.all([
        pool.begin(
          (tx) => tx`insert into user_follows (follower_id, following_id) values (${a}, ${b})`,
        ),
        pool.begin(
          (tx) => tx`insert into user_follows (follower_id, following_id) values (${b}, ${a})`,
        ),
      ])
    }),
  )
  const [row] = await pool`select count(*) as n from friendships`
  const found = Number(row?.n)
  return found === pairs
    ? { ok: true }
    : {
        ok: false,
        error: 'friendships missing after simultaneous mutual follows',
        expected: pairs,
        actual: found,
      }
}

async function quotaRace(pool: Sql, uploads: number) {
  const [user] = await makeUsers(pool, 1)
  const fileBytes = 1000
  const fits = Math.floor(uploads / 4)
  await pool`update storage_usage set quota_bytes = ${fits * fileBytes} where user_id = ${user as number}`
  const [post] = await pool`
    insert into posts (user_id, type, content, published_at) values (${user as number}, 'image', 'x', now()) returning id`
  const results = await Promise.allSettled(
    Array.from({ length: uploads }, () =>
      pool.begin(async (tx) => {
        await tx`insert into post_media (post_id, user_id, type, file_url, file_size_bytes, mime_type)
                 values (${post?.id}, ${user as number}, 'image', 'u', ${fileBytes}, 'x/y')`
        await tx`select pg_sleep(0.005)`
      }),
    ),
  )
  const accepted = results.filter((r) => r.status === 'fulfilled').length
  const [usage] = await pool`
    select s.used_bytes, s.quota_bytes, (select coalesce(sum(file_size_bytes), 0)::bigint from post_media) as media
    from storage_usage s where s.user_id = ${user as number}`
  const actual = { accepted, used: usage?.used_bytes, media: usage?.media }
  const expected = { accepted: fits, used: fits * fileBytes, media: fits * fileBytes }
  return JSON.stringify(actual) === JSON.stringify(expected)
    ? { ok: true }
    : { ok: false, error: 'concurrent uploads broke the quota or the totals', expected, actual }
}

async function likeStorm(pool: Sql, operations: number) {
  const users = await makeUsers(pool, 20)
  const [post] = await pool`
    insert into posts (user_id, type, content, published_at) values (${users[0] as number}, 'text_short', 'x', now()) returning id`
  // Seeded: the same storm every run.
  const random = new Random(12345)
  await Promise.all(
    Array.from({ length: operations }, () => {
      const user = random.pick(users) as number
      return random.chance(0.5)
        ? pool`insert into post_interactions (user_id, post_id, type) values (${user}, ${post?.id}, 'like') on conflict do nothing`
        : pool`delete from post_interactions where user_id = ${user} and post_id = ${post?.id} and type = 'like'`
    }),
  )
  const [row] = await pool`
    select likes_count, (select count(*) from post_interactions where post_id = p.id and type = 'like') as likes
    from posts p where id = ${post?.id}`
  return row?.likes_count === row?.likes
    ? { ok: true }
    : {
        ok: false,
        error: 'likes_count drifted under concurrent likes and unlikes',
        expected: row?.likes,
        actual: row?.likes_count,
      }
}
