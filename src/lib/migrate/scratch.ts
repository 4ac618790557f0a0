/**
 * A throw-away database on the target's server with the embedded phases applied: what the lock
 * trace runs pending phases against and what drift compares the live catalog with. It is
 * created from template0, dropped afterwards (also on Ctrl+C), and one left behind by a killed
 * run (`vrss_scratch_…`, nobody connected) is dropped by the next one.
 */
import { randomBytes } from 'node:crypto'
import type { CoreContext } from '../core.js'
import type { Sql } from '../db/connect.js'
import { splitStatements } from '../db/sql-split.js'
import { VrssError } from '../errors.js'
import { onInterrupt } from '../interrupt.js'
import type { Migration } from './files.js'

export const SCRATCH_PREFIX = 'vrss_scratch_'

export interface Scratch {
  sql: Sql
  /** The scratch database's name. */
  database: string
}

/** Runs `fn` on a fresh scratch database holding `phases` (in order); always drops it after. */
export async function withScratchDatabase<T>(
  ctx: CoreContext,
  phases: readonly Migration[],
  fn: (scratch: Scratch) => Promise<T>,
): Promise<T> {
  const { connect } = await import('../db/connect.js')
  // Its own connection, writable even when the command's session is read-only
  // (default_transaction_read_only), which CREATE / DROP DATABASE would refuse.
  const admin = await connect(ctx.target.spec, { max: 1, onNotice: () => {}, connection: WRITABLE })
  let sql: Sql | undefined
  const database = scratchName(Date.now())
  const drop = async () => {
    await sql?.end({ timeout: 0 }).catch(() => undefined)
    await admin`drop database if exists ${admin(database)} with (force)`.catch(() => undefined)
    await admin.end({ timeout: 1 }).catch(() => undefined)
  }
  const forget = onInterrupt(drop)
  try {
    await dropAbandonedScratch(admin)
    await createScratch(admin, ctx, database)
    sql = await connect(
      { ...ctx.target.spec, database },
      { max: 1, onNotice: () => {}, connection: WRITABLE },
    )
    for (const phase of phases) await applyPhase(sql, phase)
    return await fn({ sql, database })
  } finally {
    forget()
    await drop()
  }
}

/** A role or database may make transactions read-only by default; the scratch copy is ours. */
const WRITABLE = { default_transaction_read_only: 'off' }

/** Applies a phase's up script the way migrate does, without bookkeeping. */
export async function applyPhase(sql: Sql, phase: Migration): Promise<void> {
  if (phase.transactional) {
    await sql.begin((tx) => tx.unsafe(phase.up))
    return
  }
  for (const statement of splitStatements(phase.up)) await sql.unsafe(statement.sql)
}

async function createScratch(admin: Sql, ctx: CoreContext, database: string): Promise<void> {
  try {
    await admin`create database ${admin(database)} template template0`
  } catch (err) {
    const code = (err as { code?: string }).code
    if (code !== '42501') throw err
    throw new VrssError(
      `Cannot create a scratch database on ${ctx.target.display}: the role may not create databases`,
      {
        hint: 'Grant the role CREATEDB, or run against a copy on the embedded server (no --database-url).',
        code: 'SCRATCH_NOT_ALLOWED',
      },
    )
  }
}

/** vrss_scratch_<pid>_<seconds since 1970>_<random>: the time says how old it is. */
export function scratchName(nowMs: number): string {
  return `${SCRATCH_PREFIX}${process.pid}_${Math.floor(nowMs / 1000)}_${randomBytes(4).toString('hex')}`
}

/**
 * A scratch database nobody is connected to is abandoned once it is a minute old: a younger one
 * may be another run's, created a moment ago and not connected to yet.
 */
export function isAbandoned(name: string, nowMs: number): boolean {
  const created = /^vrss_scratch_\d+_(\d{9,})_[0-9a-f]+$/.exec(name)
  return !created || nowMs / 1000 - Number(created[1]) > 60
}

/** Scratch databases of runs that were killed: ours by name, and nobody is connected to them. */
async function dropAbandonedScratch(sql: Sql): Promise<void> {
  const unused = await sql<{ datname: string }[]>`
    select d.datname from pg_database d
    where d.datname like ${`${SCRATCH_PREFIX}%`}
      and not exists (select 1 from pg_stat_activity a where a.datid = d.oid)`
  for (const { datname } of unused.filter((d) => isAbandoned(d.datname, Date.now()))) {
    await sql`drop database if exists ${sql(datname)}`.catch(() => undefined)
  }
}
