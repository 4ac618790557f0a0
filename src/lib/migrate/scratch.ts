/**
 * A throw-away database on the target's server with the embedded phases applied: what the lock
 * trace runs pending phases against and what drift compares the live catalog with. It is
 * created from template0, dropped afterwards (also on Ctrl+C), and one left behind by a killed
 * run (`vrss_scratch_…`, nobody connected, older than a few minutes) is dropped by the next one.
 * Its own connections write even when the caller's are read-only (`status` runs with
 * default_transaction_read_only=on): they never touch the target database itself.
 */
import { randomBytes } from 'node:crypto'
import type { CoreContext } from '../core.js'
import { connect, type Sql } from '../db/connect.js'
import { query } from '../db/sql-files.js'
import { splitStatements } from '../db/sql-split.js'
import { VrssError } from '../errors.js'
import { onInterrupt } from '../interrupt.js'
import type { Migration } from './files.js'

export const SCRATCH_PREFIX = 'vrss_scratch_'

/**
 * A scratch database is only taken for abandoned after this long without a connection: one
 * that another run has just created and not yet connected to is not.
 */
const ABANDONED_AFTER_SECONDS = 10 * 60

/** The scratch connections write whatever the role's or the caller's default is. */
const WRITABLE = { default_transaction_read_only: 'off' }

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
  await withAdmin(ctx, dropAbandonedScratch)
  const database = scratchName(Date.now())
  let sql: Sql | undefined
  let creating: Promise<void> | undefined
  let dropping: Promise<void> | undefined
  // One drop, whoever asks first (the end of the run or Ctrl+C); both wait for it to finish.
  const drop = () => {
    dropping ??= (async () => {
      // A CREATE DATABASE still running would otherwise finish after the drop and stay behind.
      await creating?.catch(() => undefined)
      await sql?.end({ timeout: 0 }).catch(() => undefined)
      await withAdmin(ctx, (admin) => dropScratch(admin, database)).catch(() => undefined)
    })()
    return dropping
  }
  // Registered before the database exists: a Ctrl+C while it is being created or connected to
  // must not leave it behind (dropping a name that does not exist yet is harmless). Forgotten
  // only after the drop, so a Ctrl+C during the drop waits for it instead of exiting under it.
  const forget = onInterrupt(drop)
  try {
    creating = createScratch(ctx, database)
    await creating
    sql = await connect(
      { ...ctx.target.spec, database },
      { max: 1, onNotice: () => {}, connection: WRITABLE },
    )
    for (const phase of phases) await applyPhase(sql, phase)
    return await fn({ sql, database })
  } finally {
    await drop()
    forget()
  }
}

/** Applies a phase's up script the way migrate does, without bookkeeping. */
export async function applyPhase(sql: Sql, phase: Migration): Promise<void> {
  if (phase.transactional) {
    await sql.begin((tx) => tx.unsafe(phase.up))
    return
  }
  for (const statement of splitStatements(phase.up)) await sql.unsafe(statement.sql)
}

/** "vrss_scratch_<seconds since 1970, base 36>_<pid>_<random>": its age is in its name. */
export function scratchName(now: number): string {
  const seconds = Math.floor(now / 1000).toString(36)
  return `${SCRATCH_PREFIX}${seconds}_${process.pid}_${randomBytes(4).toString('hex')}`
}

/** When a scratch database was created, from its name (undefined for another naming). */
export function scratchCreatedAt(name: string): number | undefined {
  const match = new RegExp(`^${SCRATCH_PREFIX}([0-9a-z]+)_\\d+_[0-9a-f]+$`).exec(name)
  return match ? Number.parseInt(match[1] as string, 36) * 1000 : undefined
}

/**
 * A short-lived connection to the target's server that may create and drop databases: the
 * caller's pool may be read-only by default, and CREATE DATABASE cannot run in a transaction.
 */
async function withAdmin<T>(ctx: CoreContext, fn: (admin: Sql) => Promise<T>): Promise<T> {
  const admin = await connect(ctx.target.spec, {
    max: 1,
    onNotice: () => {},
    connection: WRITABLE,
  })
  try {
    return await fn(admin)
  } finally {
    await admin.end({ timeout: 0 }).catch(() => undefined)
  }
}

async function dropScratch(admin: Sql, database: string): Promise<void> {
  await admin`drop database if exists ${admin(database)} with (force)`
}

async function createScratch(ctx: CoreContext, database: string): Promise<void> {
  try {
    await withAdmin(ctx, (admin) => admin`create database ${admin(database)} template template0`)
  } catch (err) {
    const code = (err as { code?: string }).code
    if (code === '25006') {
      throw new VrssError(
        `Cannot create a scratch database on ${ctx.target.display}: the server is read-only (a hot standby)`,
        { hint: 'Run it against the primary.', code: 'SCRATCH_READ_ONLY' },
      )
    }
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

/**
 * Scratch databases of runs that were killed: ours by name, old enough, and nobody is
 * connected to them.
 */
async function dropAbandonedScratch(sql: Sql): Promise<void> {
  const idle = await query<{ datname: string }>(sql, 'catalog/scratch-idle', [`${SCRATCH_PREFIX}%`])
  const before = Date.now() - ABANDONED_AFTER_SECONDS * 1000
  for (const { datname } of idle) {
    const created = scratchCreatedAt(datname)
    if (created !== undefined && created > before) continue
    await sql`drop database if exists ${sql(datname)}`.catch(() => undefined)
  }
}
