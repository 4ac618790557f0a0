// The read side at scale, on a database that is already seeded (bench/seed-scale.mjs calls it on
// its largest size; run it alone with a URL): `explain feed` p50/p95 for the typical, power and
// sparse readers and for two added readers who follow the 1,000 and the 5,000 quietest accounts
// that have posted (given their timelines first, as the nightly reconcile would); `reconcile
// --dry-run` and `reconcile` of the counters next to the plan's likes-only UPDATE (drift injected
// into ~0.1% of every counter first, the UPDATE rolled back), the timelines' check;
// `verify-triggers`.
// It writes into the database (the two readers, their follows, the injected drift, the repair):
// use a scratch or bench database.
// Usage: node bench/scale-reads.mjs <database-url>
import postgres from 'postgres'
import { injectDrift, runCli, timePlanQuery } from './lib.mjs'

const QUIET_READERS = [1000, 5000]

/** Adds (once) a reader following the `n` accounts with the fewest live posts (at least one). */
async function quietReader(sql, n) {
  const name = `quiet_reader_${n}`
  const [existing] = await sql`select id from users where username = ${name}`
  if (existing) return Number(existing.id)
  const [reader] = await sql`
    insert into users (username, email, password_hash)
    values (${name}, ${`${name}@bench.test`}, 'x') returning id`
  await sql`
    insert into user_follows (follower_id, following_id)
    select ${reader.id}, user_id from posts
    where status = 'published' and deleted_at is null
    group by user_id order by count(*), user_id limit ${n}`
  return Number(reader.id)
}

function shippedFeed(url, extra) {
  const doc = JSON.parse(
    runCli(['explain', 'feed', '--no-fail', '--json', '--database-url', url, ...extra]).stdout,
  )
  return doc.timings.filter((t) => t.query === 'feed (shipped)')
}

/** Everything measured, as rows for the README table: [what, figure]. */
export async function measureReads(url) {
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  const rows = []
  const ms = (n) => `${n.toFixed(1)} ms`
  const s = (n) => `${(n / 1000).toFixed(1)} s`
  try {
    const quiet = []
    for (const n of QUIET_READERS) quiet.push([n, await quietReader(sql, n)])
    // The two new readers follow 500 accounts or more: the nightly reconcile gives them a
    // timeline (phase 10), as it would in production before they read their feed.
    const enrol = runCli(['reconcile', '--only', 'timelines', '--json', '--database-url', url])
    const enrolled = JSON.parse(enrol.stdout).timelines
    rows.push([
      'reconcile --only timelines, enrolling the two added readers',
      `${s(enrol.ms)} (${enrolled.enrolled} enrolled, ${enrolled.ready} timelines ready)`,
    ])
    const feed = shippedFeed(url, [])
    for (const [n, reader] of quiet) {
      for (const t of shippedFeed(url, ['--user', String(reader)])) {
        feed.push({ ...t, subject: `reader of the ${n.toLocaleString('en-US')} quietest accounts` })
      }
    }
    for (const t of feed) {
      rows.push([
        `explain feed (shipped), ${t.subject}`,
        `p50 ${ms(t.p50)}, p95 ${ms(t.p95)}${t.p95 < 5 ? '' : ' (over 5 ms)'}`,
      ])
    }
    await injectDrift(sql)
    const plan = await timePlanQuery(sql)
    const reconcile = (...args) =>
      JSON.parse(runCli(['reconcile', ...args, '--json', '--database-url', url]).stdout)
    // The counters (what the plan's UPDATE does a part of), then the timelines' nightly check.
    const counters = ['--only', 'likes,comments,reposts,replies,storage,friendships']
    const dry = reconcile('--dry-run', ...counters)
    const repair = reconcile(...counters)
    const timelines = reconcile('--dry-run', '--only', 'timelines')
    const drifted = (r) => r.counters.reduce((sum, c) => sum + c.drifted, 0)
    rows.push(["the plan's likes-only UPDATE (rolled back)", s(plan)])
    rows.push([
      'reconcile --dry-run, all counters',
      `${s(dry.elapsedMs)} (${drifted(dry)} drifted; ${(dry.elapsedMs / plan).toFixed(2)}× the likes-only UPDATE)`,
    ])
    rows.push([
      'reconcile, all counters',
      `${s(repair.elapsedMs)} (${drifted(repair)} repaired, longest lock-holding batch ${repair.maxBatchMs} ms; ${(repair.elapsedMs / plan).toFixed(2)}× the likes-only UPDATE)`,
    ])
    rows.push([
      'reconcile --dry-run --only timelines (the check of every timeline)',
      `${s(timelines.elapsedMs)} (${timelines.timelines.ready} timelines, ${timelines.timelines.drifted} lacking entries)`,
    ])
    const verify = runCli(['verify-triggers', '--database-url', url])
    rows.push(['verify-triggers', s(verify.ms)])
  } finally {
    await sql.end({ timeout: 5 })
  }
  return rows
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const url = process.argv[2]
  if (!url) {
    console.error('usage: node bench/scale-reads.mjs <database-url>')
    process.exit(2)
  }
  console.log('| what | figure |\n|---|---|')
  for (const [what, figure] of await measureReads(url)) console.log(`| ${what} | ${figure} |`)
}
