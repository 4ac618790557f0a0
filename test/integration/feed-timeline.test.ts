// Phase 10's feed timelines: reconcile enrols the readers of many accounts, the triggers keep
// their timelines as posts and follows are written, and vrss_feed answers from them with the
// plan's rows, in order, over every page (past the horizon too). Drift is found and repaired,
// long timelines are cut back, readers who follow fewer accounts are dropped, and an enrolment
// never misses a post written by a transaction that was open when it started.
import { spawn } from 'node:child_process'
import { beforeAll, describe, expect, it } from 'vitest'
import { parseReconcileOptions, run as reconcile } from '../../src/commands/reconcile.js'
import { run as verify } from '../../src/commands/verify-triggers.js'
import type { TransactionSql } from '../../src/lib/db/connect.js'
import { syncTimelines, TIMELINE_POSTS } from '../../src/lib/timeline/sync.js'
import { BIN, cleanEnv } from '../support/cli.js'
import { migrateTo, testContext } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'
import * as feed from '../support/feed.js'

const db = useTestDatabase()

/** Whether the timeline answers the first page of `reader` (vrss_feed then reads nothing else). */
async function fromTimeline(reader: number): Promise<boolean> {
  const [row] =
    await db.sql`select vrss_feed_timeline(${reader}, null, null, 20) is not null as answers`
  return row?.answers === true
}

const makeUsers = (prefix: string, n: number) => feed.makeUsers(db.sql, prefix, n)
const follow = (reader: number, ids: number[]) => feed.follow(db.sql, reader, ids)
const planFeed = (reader: number) => feed.planFeed(db.sql, reader)
const expectSameFeed = (reader: number, pages: number) => feed.expectSameFeed(db.sql, reader, pages)

async function post(author: number, at: string, status = 'published'): Promise<number> {
  const [row] = await db.sql`
    insert into posts (user_id, type, content, status, published_at, created_at)
    values (${author}, 'text_short', 'timeline test', ${status},
            case when ${status} = 'published' then now() end, ${at}::timestamptz)
    returning id`
  return Number(row?.id)
}

/**
 * An application transaction that runs `work` and then stays open until `commit()` (which
 * commits it and resolves once it has): the other side of every race below.
 */
async function holdOpen<T>(work: (tx: TransactionSql) => Promise<T>) {
  let release: () => void = () => undefined
  const held = new Promise<void>((resolve) => {
    release = resolve
  })
  let opened: (value: T) => void = () => undefined
  const ready = new Promise<T>((resolve) => {
    opened = resolve
  })
  const done = db.sql.begin(async (tx) => {
    opened(await work(tx))
    await held
  })
  const value = await ready
  return {
    value,
    commit: async () => {
      release()
      await done
    },
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const writeSomething = (tx: TransactionSql) =>
  tx`insert into users (username, email, password_hash) values (${`writer_${++writers}`}, ${`writer_${writers}@timeline.test`}, 'x')`

const reconcileRun = (raw: Record<string, unknown> = {}) =>
  reconcile(parseReconcileOptions({ only: 'timelines', ...raw }), testContext(db.sql, db.url))

let quiet: number[] = []
let writers = 0
let busy: number[] = []
let reader = 0
let light = 0

beforeAll(async () => {
  await migrateTo(db.sql, db.url)
  // 560 quiet accounts with 1–2 posts each and 50 busy ones with 40 each, over a year, with
  // equal timestamps (ties broken by id): 3,000+ posts, so the timeline (800) ends at a horizon.
  quiet = await makeUsers('quiet', 560)
  busy = await makeUsers('busy', 50)
  await db.sql`
    insert into posts (user_id, type, content, published_at, created_at)
    select u, 'text_short', 'quiet', now(), '2026-06-01'::timestamptz - ((u * 7919 + k) % 3000) * interval '1 hour'
    from unnest(${quiet}::bigint[]) u, generate_series(1, 2) k
    where k <= 1 + u % 2`
  await db.sql`
    insert into posts (user_id, type, content, published_at, created_at)
    select u, 'text_short', 'busy', now(), '2026-06-01'::timestamptz - ((u * 31 + g * 97) % 5000) * interval '1 hour'
    from unnest(${busy}::bigint[]) u, generate_series(1, 40) g`
  reader = (await makeUsers('reader', 1))[0] as number
  await follow(reader, [...quiet, ...busy])
  light = (await makeUsers('light', 1))[0] as number
  await follow(light, quiet.slice(0, 450))
  await db.sql`vacuum analyze posts, user_follows`
})

describe('feed timelines (phase 10)', () => {
  it('reconcile enrols readers of 500+ accounts, and their feed is the plan over every page, past the horizon', async () => {
    const dry = await reconcileRun({ dryRun: true })
    expect(dry.timelines).toMatchObject({ ready: 0, enrolled: 1, drifted: 0 })
    expect(await db.sql`select * from feed_timeline_readers`).toHaveLength(0)

    const result = await reconcileRun()
    expect(result.timelines).toMatchObject({ ready: 1, enrolled: 1, dropped: 0, waiting: 0 })
    const [row] = await db.sql`
      select r.ready, r.horizon_at > '-infinity' as bounded, count(e.*)::int as entries
      from feed_timeline_readers r join feed_timeline_entries e using (reader_id)
      where r.reader_id = ${reader} group by r.ready, r.horizon_at`
    expect(row).toEqual({ ready: true, bounded: true, entries: TIMELINE_POSTS })
    expect(
      await db.sql`select 1 from feed_timeline_readers where reader_id = ${light}`,
    ).toHaveLength(0)

    expect(await fromTimeline(reader)).toBe(true)
    expect(await fromTimeline(light)).toBe(false)
    // 45 pages of 20: the first 40 from the timeline, the rest below its horizon by phase 9's paths.
    expect(await expectSameFeed(reader, 45)).toBe(900)
    expect(await expectSameFeed(light, 3)).toBe(60)
  })

  it('keeps the timeline as posts are written, published, deleted, restored and moved', async () => {
    const author = quiet[3] as number
    const fresh = await post(author, '2026-07-01')
    const draft = await post(author, '2026-07-02', 'draft')
    const stranger = (await makeUsers('stranger', 1))[0] as number
    await post(stranger, '2026-07-03')
    let page = await db.sql`select id from vrss_feed(${reader}) limit 3`
    expect(page.map((r) => Number(r.id))).toEqual([fresh, ...(await planFeed(reader)).slice(1, 3)])
    await db.sql`update posts set status = 'published', published_at = now() where id = ${draft}`
    page = await db.sql`select id from vrss_feed(${reader}) limit 2`
    expect(page.map((r) => Number(r.id))).toEqual([draft, fresh])
    await db.sql`update posts set deleted_at = now() where id = ${draft}`
    await db.sql`update posts set created_at = '2026-07-05' where id = ${fresh}`
    expect(Number((await db.sql`select id from vrss_feed(${reader}) limit 1`)[0]?.id)).toBe(fresh)
    await db.sql`update posts set deleted_at = null, created_at = '2026-07-06' where id = ${draft}`
    expect(await fromTimeline(reader)).toBe(true)
    expect(await expectSameFeed(reader, 3)).toBe(60)
    await db.sql`delete from posts where id = ${draft}`
    expect(await expectSameFeed(reader, 3)).toBe(60)
  })

  it('keeps the entry of a post moved to another followed author when the old one is unfollowed', async () => {
    const [from, to] = await makeUsers('mover', 2)
    await follow(reader, [from as number, to as number])
    const moved = await post(from as number, '2026-07-10')
    await db.sql`update posts set user_id = ${to as number} where id = ${moved}`
    await db.sql`delete from user_follows where follower_id = ${reader} and following_id = ${from as number}`
    const [row] = await db.sql`
      select count(*)::int as n from feed_timeline_entries where reader_id = ${reader} and post_id = ${moved}`
    expect(row?.n).toBe(1)
    expect(Number((await db.sql`select id from vrss_feed(${reader}) limit 1`)[0]?.id)).toBe(moved)
    expect((await reconcileRun({ check: true })).exitCode).toBe(0)
    await db.sql`delete from posts where id = ${moved}`
  })

  it('copies at most 800 posts of a prolific new followee, moving the horizon up to the oldest', async () => {
    // A reader of 505 quiet accounts: fewer than 800 feed posts, so a timeline from the beginning.
    const [fan, prolific] = await makeUsers('prolific', 2)
    await follow(fan as number, quiet.slice(0, 505))
    await syncTimelines(db.sql, { write: true })
    const [before] = await db.sql`
      select horizon_at = '-infinity' as from_the_start from feed_timeline_readers where reader_id = ${fan as number}`
    expect(before?.from_the_start).toBe(true)
    await db.sql`
      insert into posts (user_id, type, content, published_at, created_at)
      select ${prolific as number}, 'text_short', 'prolific', now(), '2026-06-02'::timestamptz - g * interval '1 minute'
      from generate_series(1, 1000) g`
    await follow(fan as number, [prolific as number])
    const [after] = await db.sql`
      select r.horizon_at, (select count(*)::int from feed_timeline_entries e
                            where e.reader_id = r.reader_id and e.author_id = ${prolific as number}) as copied
      from feed_timeline_readers r where r.reader_id = ${fan as number}`
    expect(after?.copied).toBe(800)
    expect(Number(after?.horizon_at)).toBeGreaterThan(0) // a real time now
    expect((await reconcileRun({ check: true })).exitCode).toBe(0)
    expect(await fromTimeline(fan as number)).toBe(true)
    expect(await expectSameFeed(fan as number, 45)).toBe(900)
  })

  it('adds the posts of a new followee and removes those of an unfollowed one', async () => {
    const newcomer = (await makeUsers('newcomer', 1))[0] as number
    const newest = await post(newcomer, '2026-08-01')
    await post(newcomer, '2026-05-30')
    expect(Number((await db.sql`select id from vrss_feed(${reader}) limit 1`)[0]?.id)).not.toBe(
      newest,
    )
    await follow(reader, [newcomer])
    expect(Number((await db.sql`select id from vrss_feed(${reader}) limit 1`)[0]?.id)).toBe(newest)
    expect(await fromTimeline(reader)).toBe(true)
    await db.sql`delete from user_follows where follower_id = ${reader} and following_id = ${newcomer}`
    const [left] = await db.sql`
      select count(*)::int as n from feed_timeline_entries where reader_id = ${reader} and author_id = ${newcomer}`
    expect(left?.n).toBe(0)
    expect(await expectSameFeed(reader, 5)).toBe(100)
  })

  it('finds a timeline that lacks entries (exit 3 with --check), writes them back, and the feed is right again', async () => {
    const gone = await db.sql`
      delete from feed_timeline_entries
      where reader_id = ${reader}
        and (post_id, created_at) in (select id, created_at from vrss_feed(${reader}) limit 3)
      returning post_id`
    expect(gone).toHaveLength(3)
    const check = await reconcileRun({ check: true })
    expect(check.exitCode).toBe(3)
    expect(check.timelines).toMatchObject({ drifted: 1, missingEntries: 3 })
    const repaired = await reconcileRun()
    expect(repaired.timelines).toMatchObject({ drifted: 1, missingEntries: 3, repairedEntries: 3 })
    expect((await reconcileRun({ check: true })).exitCode).toBe(0)
    expect(await expectSameFeed(reader, 3)).toBe(60)
  })

  it('cuts a long timeline back to its newest entries, the horizon moved up, the feed unchanged', async () => {
    const author = busy[0] as number
    await db.sql`
      insert into posts (user_id, type, content, published_at, created_at)
      select ${author}, 'text_short', 'burst', now(), '2026-09-01'::timestamptz + g * interval '1 minute'
      from generate_series(1, 900) g`
    const [before] = await db.sql`
      select horizon_at from feed_timeline_readers where reader_id = ${reader}`
    const result = await reconcileRun()
    expect(result.timelines?.trimmed).toBe(1)
    const [after] = await db.sql`
      select r.horizon_at, (select count(*)::int from feed_timeline_entries e where e.reader_id = r.reader_id) as entries
      from feed_timeline_readers r where r.reader_id = ${reader}`
    expect(after?.entries).toBe(TIMELINE_POSTS)
    expect(Number(after?.horizon_at)).toBeGreaterThan(Number(before?.horizon_at))
    expect(await expectSameFeed(reader, 45)).toBe(900)
  })

  it('drops the timeline of a reader who follows fewer than 400 accounts, not before', async () => {
    const other = (await makeUsers('dropper', 1))[0] as number
    await follow(other, quiet.slice(0, 520))
    expect((await reconcileRun()).timelines?.enrolled).toBe(1)
    const unfollow = (ids: number[]) => db.sql`
      delete from user_follows where follower_id = ${other} and following_id = any(${ids}::bigint[])`
    await unfollow(quiet.slice(0, 110)) // 410 left: kept
    expect((await reconcileRun()).timelines?.dropped).toBe(0)
    expect(await fromTimeline(other)).toBe(true)
    expect(await expectSameFeed(other, 2)).toBe(40)
    await unfollow(quiet.slice(110, 130)) // 390 left: dropped, entries with it
    expect((await reconcileRun()).timelines?.dropped).toBe(1)
    const [left] = await db.sql`
      select (select count(*) from feed_timeline_readers where reader_id = ${other})::int as readers,
             (select count(*) from feed_timeline_entries where reader_id = ${other})::int as entries`
    expect(left).toEqual({ readers: 0, entries: 0 })
    expect(await expectSameFeed(other, 2)).toBe(40)
  })
})

describe('the scratch copies of other commands', () => {
  it('verify-triggers --concurrency proves the timeline and leaves the live timelines as they were', async () => {
    const snapshot = async () => {
      const [row] = await db.sql`
        select (select md5(coalesce(string_agg(t::text, ',' order by t::text), '')) from feed_timeline_entries t) as entries,
               (select md5(coalesce(string_agg(t::text, ',' order by t::text), '')) from feed_timeline_sources t) as sources,
               (select md5(coalesce(string_agg(t::text, ',' order by t::text), '')) from feed_timeline_readers t) as readers`
      return row
    }
    // Live readers with the low ids the scratch copy's rows get: a trigger of the copy that
    // reached past it to the live tables would write their sources and entries.
    const low = await db.sql`
      insert into feed_timeline_readers (reader_id, horizon_at, horizon_id, ready)
      select id, '-infinity', 0, true from users where id <= 60 on conflict do nothing
      returning reader_id`
    expect(low.length).toBeGreaterThan(50)
    const before = await snapshot()
    const result = await verify({ concurrency: true }, testContext(db.sql, db.url))
    expect(result.exitCode).toBe(0)
    expect(result.proofs.map((p) => p.name)).toContain(
      "an enrolled reader's timeline gets a followee's new post, a new followee's posts, and loses an unfollowed one's",
    )
    expect(await snapshot()).toEqual(before)
    await db.sql`delete from feed_timeline_readers where reader_id = any(${low.map((r) => r.reader_id)}::bigint[])`
  })
})

describe('a follow and a post of the followee at the same time', () => {
  const entryOf = async (postId: number) => {
    const [row] = await db.sql`
      select count(*)::int as n from feed_timeline_entries where reader_id = ${reader} and post_id = ${postId}`
    return row?.n
  }
  /** Runs `first` in a transaction held open until `second` has had 300 ms to run. */
  async function race(
    first: (tx: TransactionSql) => Promise<unknown>,
    second: () => Promise<unknown>,
  ) {
    const open = await holdOpen(first)
    let done = false
    const running = second().then(() => {
      done = true
    })
    await pause(300)
    const waited = !done
    await open.commit()
    await running
    return waited
  }

  it('follow first: the post waits for the follow to commit, then writes its entry', async () => {
    const [author] = await makeUsers('race_author_a', 1)
    let postId = 0
    const waited = await race(
      (tx) =>
        tx`insert into user_follows (follower_id, following_id) values (${reader}, ${author as number})`,
      async () => {
        postId = await post(author as number, '2026-11-20')
      },
    )
    expect(waited).toBe(true)
    expect(await entryOf(postId)).toBe(1)
    expect((await reconcileRun({ check: true })).exitCode).toBe(0)
  })

  it('post first: the follow waits for the post to commit, then copies it', async () => {
    const [author] = await makeUsers('race_author_b', 1)
    let postId = 0
    const waited = await race(
      async (tx) => {
        const [row] = await tx`
          insert into posts (user_id, type, content, published_at, created_at)
          values (${author as number}, 'text_short', 'race', now(), '2026-11-21') returning id`
        postId = Number(row?.id)
      },
      () => follow(reader, [author as number]),
    )
    expect(waited).toBe(true)
    expect(await entryOf(postId)).toBe(1)
    expect((await reconcileRun({ check: true })).exitCode).toBe(0)
    expect(await expectSameFeed(reader, 2)).toBe(40)
  })
})

describe('enrolment next to open transactions', () => {
  it("a post and a follow written while a reader's timeline is dropped succeed; what they leave is removed by the next run", async () => {
    const [gone] = await makeUsers('gone_reader', 1)
    await follow(gone as number, quiet.slice(0, 505))
    await reconcileRun()
    const author = quiet[7] as number
    // The drop, held open: it has deleted the reader's row and not committed yet.
    const drop = await holdOpen(
      (tx) => tx`delete from feed_timeline_readers where reader_id = ${gone as number}`,
    )
    const written = await Promise.race([
      (async () => {
        await post(author, '2026-10-01')
        await follow(gone as number, [busy[1] as number])
        return 'written'
      })(),
      pause(5000).then(() => 'blocked'),
    ])
    await drop.commit()
    expect(written).toBe('written')
    const leftovers = async () => {
      const [row] = await db.sql`
        select (select count(*)::int from feed_timeline_sources where reader_id = ${gone as number}) as sources,
               (select count(*)::int from feed_timeline_entries where reader_id = ${gone as number}) as entries`
      return row
    }
    expect((await leftovers())?.entries).toBeGreaterThan(0)
    const next = await reconcileRun()
    expect(next.timelines?.orphansRemoved).toBeGreaterThan(0)
    // Followed by 506 accounts, the reader is enrolled again by that run, from scratch.
    expect(await fromTimeline(gone as number)).toBe(true)
    expect(await expectSameFeed(gone as number, 2)).toBe(40)
  })

  it('waits for a transaction that wrote a followee post before the reader was enrolled, then includes it', async () => {
    const [late] = await makeUsers('late_reader', 1)
    await follow(late as number, quiet.slice(0, 510))
    // A writer opens before the enrolment, inserts a followee's post and commits only later.
    const writer = await holdOpen(async (tx) => {
      const [row] = await tx`
        insert into posts (user_id, type, content, published_at, created_at)
        values (${quiet[0] as number}, 'text_short', 'late', now(), '2026-12-01') returning id`
      return Number(row?.id)
    })
    const postId = writer.value
    const sync = syncTimelines(db.sql, { write: true, openWaitMs: 20_000 })
    await pause(300)
    await writer.commit()
    const result = await sync
    expect(result.waiting).toBe(0)
    expect(Number((await db.sql`select id from vrss_feed(${late as number}) limit 1`)[0]?.id)).toBe(
      postId,
    )
    expect(await fromTimeline(late as number)).toBe(true)
    expect(await expectSameFeed(late as number, 2)).toBe(40)
  })

  it('does not wait for an open transaction that has written nothing (a report, pg_dump)', async () => {
    const [reader2] = await makeUsers('readonly_wait_reader', 1)
    await follow(reader2 as number, quiet.slice(0, 501))
    const report = await holdOpen((tx) => tx`select count(*) from posts`)
    try {
      const result = await syncTimelines(db.sql, { write: true, openWaitMs: 200 })
      expect(result.waiting).toBe(0)
      expect(await fromTimeline(reader2 as number)).toBe(true)
    } finally {
      await report.commit()
    }
  })

  it('leaves the reader unready when the wait runs out, and the next run fills the timeline', async () => {
    const [slow] = await makeUsers('slow_reader', 1)
    await follow(slow as number, quiet.slice(0, 505))
    // An application transaction that has written (a user row) and stays open.
    const idle = await holdOpen(writeSomething)
    const first = await syncTimelines(db.sql, { write: true, openWaitMs: 200 })
    expect(first.waiting).toBe(1)
    const [row] =
      await db.sql`select ready from feed_timeline_readers where reader_id = ${slow as number}`
    expect(row?.ready).toBe(false)
    expect(await fromTimeline(slow as number)).toBe(false)
    expect(await expectSameFeed(slow as number, 2)).toBe(40)
    await idle.commit()
    const second = await syncTimelines(db.sql, { write: true })
    expect(second).toMatchObject({ waiting: 0, enrolled: 0 })
    expect(await fromTimeline(slow as number)).toBe(true)
    expect(await expectSameFeed(slow as number, 2)).toBe(40)
  })

  it('a reconcile killed (-9) while it waits leaves the reader unready; the next run finishes the enrolment', async () => {
    const [killed] = await makeUsers('killed_reader', 1)
    await follow(killed as number, quiet.slice(0, 530))
    // An application transaction that has written (a user row) and stays open.
    const idle = await holdOpen(writeSomething)
    const child = spawn(
      process.execPath,
      [BIN, 'reconcile', '--only', 'timelines', '--database-url', db.url],
      { env: cleanEnv(), stdio: 'ignore' },
    )
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    )
    const deadline = Date.now() + 30_000
    for (;;) {
      const rows =
        await db.sql`select 1 from feed_timeline_readers where reader_id = ${killed as number}`
      if (rows.length > 0) break
      if (Date.now() > deadline) throw new Error('reconcile never enrolled the reader')
      await pause(20)
    }
    child.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')
    await idle.commit()
    const [row] =
      await db.sql`select ready from feed_timeline_readers where reader_id = ${killed as number}`
    expect(row?.ready).toBe(false)
    expect(await expectSameFeed(killed as number, 2)).toBe(40)
    const next = await reconcileRun()
    expect(next.timelines).toMatchObject({ waiting: 0, drifted: 0 })
    expect(await fromTimeline(killed as number)).toBe(true)
    expect(await expectSameFeed(killed as number, 2)).toBe(40)
  })
})
