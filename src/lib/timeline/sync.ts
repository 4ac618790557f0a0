/**
 * Feed timelines (phase 010): who has one, and whether each one is complete. The triggers keep
 * an enrolled reader's timeline as posts and follows are written; this core decides who is
 * enrolled, fills a new timeline, repairs a drifted one and keeps each one short. `reconcile`
 * runs it (nightly), `seed` runs it after a load.
 *
 * Enrolling a reader cannot be one transaction. A post's trigger writes entries for the readers
 * whose source row (author → reader) it sees; a post written while the reader's sources were
 * being filled saw none of them, and the fill, from an older snapshot, did not see the post. So,
 * as CREATE INDEX CONCURRENTLY does: each new reader is enrolled, not ready (vrss_feed does not
 * read it), and filled (sources and entries) in one transaction; then every transaction that has
 * written and is open at that moment is waited for (bounded); then each timeline is filled again
 * from a snapshot that sees everything those writers did, and marked ready once a fill adds no
 * source (settleTimelines). Every transaction that writes after a source is committed sees it
 * and writes its entries itself (a follow and a post racing each other meet at the author's
 * timeline lock, see the phase). Interrupted anywhere, the next run goes on: an unready reader
 * is filled, waited for and filled again (fill skips the entries already there).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { Sql } from '../db/connect.js'
import { loadSql, query } from '../db/sql-files.js'

/** Readers following at least this many accounts get a timeline... */
export const ENROL_FOLLOWEES = 500
/** ...and keep it until they follow fewer than this (no churn around one number). */
export const DROP_FOLLOWEES = 400
/** A new timeline reaches back this many feed posts (or to the beginning when the feed is shorter). */
export const TIMELINE_POSTS = 800
/** A timeline longer than this is cut back to TIMELINE_POSTS entries. */
export const TRIM_ABOVE = 2 * TIMELINE_POSTS
/** How long enrolment waits for the transactions that were open when the readers were committed. */
export const DEFAULT_OPEN_WAIT_MS = 30_000

export interface TimelineOptions {
  /** Enrol, drop, fill, repair and trim; false: only find what a run would do (read-only). */
  write: boolean
  /** Bound of the wait for older transactions; readers still waiting stay unready for the next run. */
  openWaitMs?: number
}

export interface TimelineReport {
  /** Readers with a ready timeline after the run (before it, when not writing). */
  ready: number
  /** Readers enrolled by this run (or that would be). */
  enrolled: number
  /** Timelines dropped: their readers follow fewer than DROP_FOLLOWEES accounts now. */
  dropped: number
  /** Ready timelines that differed from the follows and posts they stand for... */
  drifted: number
  /** ...by these: entries missing, followed accounts without a source, sources not followed. */
  missingEntries: number
  missingSources: number
  extraSources: number
  /** Entries written by the repair of drifted timelines. */
  repairedEntries: number
  /** Timelines cut back to TIMELINE_POSTS entries (or cleared of entries whose post is gone). */
  trimmed: number
  /** Readers left unready because older transactions were still open after the wait. */
  waiting: number
  /** Sources and entries removed because their reader is not enrolled (see orphans.sql). */
  orphansRemoved: number
}

export type TimelineEvent =
  | { type: 'timelines-planned'; enrol: number; drop: number; unready: number }
  | { type: 'timelines-waiting'; transactions: number }

interface Gap {
  reader_id: string
  missing: number
  missing_sources: number
  extra_sources: number
}

interface Plan {
  enrol: string[]
  drop: string[]
  unready: string[]
  ready: number
}

/** Whether phase 010 is applied: feed_timeline_readers is on the search_path. */
export async function hasTimelines(sql: Sql): Promise<boolean> {
  const [row] = await query<{ present: boolean }>(sql, 'timeline/present')
  return row?.present === true
}

export async function syncTimelines(
  sql: Sql,
  options: TimelineOptions,
  report: (event: TimelineEvent) => void = () => undefined,
): Promise<TimelineReport> {
  const [plan] = await query<Plan>(sql, 'timeline/plan', [ENROL_FOLLOWEES, DROP_FOLLOWEES])
  if (!plan) throw new Error('timeline/plan returned no row')
  report({
    type: 'timelines-planned',
    enrol: plan.enrol.length,
    drop: plan.drop.length,
    unready: plan.unready.length,
  })
  const missing = await query<Gap>(sql, 'timeline/missing')
  const sum = (key: keyof Omit<Gap, 'reader_id'>) => missing.reduce((n, row) => n + row[key], 0)
  const result: TimelineReport = {
    ready: plan.ready,
    enrolled: plan.enrol.length,
    dropped: plan.drop.length,
    drifted: missing.length,
    missingEntries: sum('missing'),
    missingSources: sum('missing_sources'),
    extraSources: sum('extra_sources'),
    repairedEntries: 0,
    trimmed: 0,
    waiting: 0,
    orphansRemoved: 0,
  }
  if (!options.write) return result

  if (plan.drop.length > 0) {
    const [dropped] = await query<{ dropped: number }>(sql, 'timeline/drop', [
      plan.drop,
      DROP_FOLLOWEES,
    ])
    result.dropped = dropped?.dropped ?? 0
  }
  const [orphans] = await query<{ sources: number; entries: number }>(sql, 'timeline/orphans')
  result.orphansRemoved = (orphans?.sources ?? 0) + (orphans?.entries ?? 0)
  // A timeline lacking sources is filled again like a new one (after a wait); one lacking only
  // entries is filled now: its sources were committed long ago, so no post can race them.
  const refill: string[] = []
  for (const row of missing) {
    if (row.missing_sources > 0) {
      await query(sql, 'timeline/unready', [row.reader_id])
      refill.push(row.reader_id)
    } else {
      result.repairedEntries += (await fillTimeline(sql, row.reader_id)).entries
    }
  }
  result.trimmed = await trimTimelines(sql)

  for (const reader of plan.enrol) await enrolReader(sql, reader)
  for (const reader of [...plan.unready, ...refill]) await fillTimeline(sql, reader)
  const unready = [...new Set([...plan.unready, ...refill, ...plan.enrol])]
  const waitMs = options.openWaitMs ?? DEFAULT_OPEN_WAIT_MS
  result.waiting = (await settleTimelines(sql, unready, waitMs, report)).length
  // Not the plan again: it counts every follow, and only the ready timelines are asked for here.
  const [after] = await query<{ ready: number }>(sql, 'timeline/ready-count')
  result.ready = after?.ready ?? result.ready
  return result
}

/** Enrols one reader (not ready) and fills their sources and entries, in one transaction. */
async function enrolReader(sql: Sql, reader: string): Promise<void> {
  await sql.begin(async (tx) => {
    await query(tx, 'timeline/enrol', [reader, TIMELINE_POSTS])
    await query(tx, 'timeline/sources', [reader])
    await query(tx, 'timeline/fill', [reader])
  })
}

/**
 * Makes one enrolled reader's sources and entries complete, in one transaction: what it wrote,
 * and whether it marked the timeline ready (asked with `ready`, done only when no source was
 * missing: a source added here could miss a post written meanwhile, see settleTimelines).
 */
async function fillTimeline(
  sql: Sql,
  reader: string,
  options: { ready?: boolean } = {},
): Promise<{ entries: number; sourcesAdded: number; ready: boolean }> {
  return sql.begin(async (tx) => {
    const [sources] = await query<{ added: number }>(tx, 'timeline/sources', [reader])
    const filled = await tx.unsafe(loadSql('timeline/fill'), [reader])
    const sourcesAdded = sources?.added ?? 0
    const ready = options.ready === true && sourcesAdded === 0
    if (ready) await query(tx, 'timeline/ready', [reader])
    return { entries: filled.count, sourcesAdded, ready }
  })
}

/** At most this many rounds of wait-and-fill before an enrolment is left for the next run. */
const SETTLE_ROUNDS = 4

/**
 * Brings filled, unready timelines to ready. A round waits for every transaction that has
 * written and was open when it began (they may have written a post without seeing a source the
 * last fill added), then fills each timeline again from a snapshot that sees them, marking it
 * ready when that fill added no source. A follow committed before the reader was enrolled adds a
 * source in the second round at most, so a third round normally has nothing left. Returns the
 * readers still unready (the wait ran out, or the rounds did).
 */
async function settleTimelines(
  sql: Sql,
  readers: string[],
  waitMs: number,
  report: (event: TimelineEvent) => void,
): Promise<string[]> {
  let pending = readers
  for (let round = 0; round < SETTLE_ROUNDS && pending.length > 0; round++) {
    if (!(await waitForOpenTransactions(sql, waitMs, report))) return pending
    const still: string[] = []
    for (const reader of pending) {
      if (!(await fillTimeline(sql, reader, { ready: true })).ready) still.push(reader)
    }
    pending = still
  }
  return pending
}

/**
 * Waits until every transaction open now (in other client sessions of this database) has
 * ended, polling every 50 ms up to `limitMs`. True when they all ended.
 */
async function waitForOpenTransactions(
  sql: Sql,
  limitMs: number,
  report: (event: TimelineEvent) => void,
): Promise<boolean> {
  const [row] = await query<{ open: string[] }>(sql, 'timeline/transactions')
  const open = row?.open ?? []
  if (open.length === 0) return true
  report({ type: 'timelines-waiting', transactions: open.length })
  const deadline = performance.now() + limitMs
  for (;;) {
    const [still] = await query<{ open: number }>(sql, 'timeline/still-open', [open])
    if ((still?.open ?? 0) === 0) return true
    if (performance.now() >= deadline) return false
    await sleep(50)
  }
}

/** Cuts every long timeline back (one transaction each); returns how many it cut. */
async function trimTimelines(sql: Sql): Promise<number> {
  const long = await query<{ reader_id: string }>(sql, 'timeline/long', [TRIM_ABOVE])
  for (const row of long) await query(sql, 'timeline/trim', [row.reader_id, TIMELINE_POSTS])
  return long.length
}
