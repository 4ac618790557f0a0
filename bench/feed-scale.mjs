// The feed at 10× the MVP: builds a synthetic database with set-based SQL (100K users, ~5M
// posts, ~10M follows, 50 readers who follow only quiet accounts, 1,000–5,000 of them) on the
// embedded server at phase 9, times the migration to phase 10 and the enrolment of the readers
// of many accounts (`reconcile --only timelines`), then prints p50/p95 of the first page of the
// feed for the four reader kinds of `explain feed` and for the quiet readers with the fewest,
// the median and the most followees: phase 9's vrss_feed (recreated as pg_temp.feed_before)
// and phase 10's, called alternately in the same session, their rows compared on every call.
// Usage: npm run bench:feed-scale [-- scale]   (scale 1 = 10× MVP, ~10 min; 0.1 to develop)
//        FEED_SCALE_PLANS=1 … also prints EXPLAIN (ANALYZE, BUFFERS) of both for every reader.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import postgres from 'postgres'
import { benchServer, fmt, median, runCli } from './lib.mjs'

const scale = Number(process.argv[2] ?? 1)
const RUNS = 200
const users = Math.round(100_000 * scale)
const server = await benchServer()
const url = server.urlFor('vrss')
const sql = postgres(url, { max: 1, onnotice: () => {} })

const p95 = (values) => [...values].sort((a, b) => a - b)[Math.ceil(values.length * 0.95) - 1]
const load = () =>
  execFileSync('uptime')
    .toString()
    .trim()
    .replace(/^.*load/, 'load')

/**
 * Users 1..N. Posts: 60% of users are quiet (0–3 posts), the rest post 80–164 each, spread over a
 * year. Follows: every user follows 20–180 pseudo-random accounts (one in 1,000 follows 3,000),
 * and one user in 2,000 (user 7, 2007, …) follows only quiet accounts, 1,000–5,000 of them.
 */
async function build() {
  await sql`set session_replication_role = replica` // bulk load: triggers off, as the seed does
  await sql`set maintenance_work_mem = '512MB'`
  await sql`
    insert into users (username, email, password_hash)
    select 'user_' || g, 'user_' || g || '@scale.test', 'x' from generate_series(1, ${users}::int) g`
  const indexes = await sql`
    select indexname, indexdef from pg_indexes
    where schemaname = current_schema() and tablename in ('posts', 'user_follows')
      and not exists (select 1 from pg_constraint where conindid = format('%I.%I', schemaname, indexname)::regclass)`
  for (const i of indexes) await sql`drop index ${sql(i.indexname)}`
  await sql`select setseed(0.17)`
  await sql`
    insert into posts (user_id, type, content, status, published_at, created_at)
    select u, 'text_short', 'post', 'published', t, t
    from generate_series(1, ${users}::int) u,
      lateral generate_series(1, case when u % 10 < 6 then u % 4 else 80 + (u * 37) % 85 end) k,
      lateral (select '2026-11-01'::timestamptz - random() * interval '365 days' + k * interval '0 s' as t) x`
  await sql`
    insert into user_follows (follower_id, following_id)
    select u, 1 + (u - 1 + k * 7919) % ${users}::int
    from generate_series(1, ${users}::int) u,
      lateral generate_series(1, case when u % 1000 = 1 then 3000 else 20 + (u * 31) % 161 end) k
    where u % 2000 <> 7`
  await sql`
    insert into user_follows (follower_id, following_id)
    select r, q from generate_series(7, ${users}::int, 2000) r,
      lateral (select q from generate_series(1, ${users}::int) q
               where q % 10 < 6 and q <> r and (q * 2654435761 + r) % 9973 < 9973 * (1000 + (r * 13) % 4001) / (${users}::int * 0.6)
               ) x`
  for (const i of indexes) await sql.unsafe(i.indexdef)
  await sql`reset session_replication_role`
}

const before = readFileSync(
  new URL('../src/sql/migrations/009_feed_walk.sql', import.meta.url),
  'utf8',
)
/** Phase 9's vrss_feed, as it is in production before phase 10, under another name. */
const beforeFunction = /create or replace function vrss_feed\([\s\S]*?\n\$\$;/
  .exec(before)[0]
  .replace('function vrss_feed(', 'function pg_temp.feed_before(')

async function time(fn, reader) {
  const started = performance.now()
  const rows = await sql.unsafe(`select id from ${fn}($1)`, [reader])
  return { ms: performance.now() - started, ids: rows.map((r) => r.id).join(',') }
}

/**
 * The same comparison timed inside the server (clock_timestamp around each call, alternately):
 * without the client's share, which a loaded machine inflates most.
 */
const serverTimer = `
  create function pg_temp.feed_times(reader bigint, runs integer)
  returns table (before float8[], after float8[]) language plpgsql as $$
  declare a float8[] := '{}'; b float8[] := '{}'; t timestamptz; n bigint;
  begin
    for i in 1..runs + 5 loop
      t := clock_timestamp();
      select count(*) into n from pg_temp.feed_before(reader);
      if i > 5 then a := a || extract(epoch from clock_timestamp() - t) * 1000; end if;
      t := clock_timestamp();
      select count(*) into n from vrss_feed(reader);
      if i > 5 then b := b || extract(epoch from clock_timestamp() - t) * 1000; end if;
    end loop;
    return query select a, b;
  end $$`

const HEADER = `| reader | followees | 009 p50 | 009 p95 | 010 p50 | 010 p95 | p95 ratio |
|---|---:|---:|---:|---:|---:|---:|`

const row = (kind, reader, n, old, now) =>
  `| ${kind} ${reader} | ${n} | ${fmt(median(old))} | ${fmt(p95(old))} | ${fmt(median(now))} | ${fmt(p95(now))} | ${(p95(old) / p95(now)).toFixed(1)}× |`

async function plans(reader) {
  for (const name of ['pg_temp.feed_before', 'vrss_feed']) {
    // vrss_feed is PL/pgSQL: auto_explain shows the statements inside it. On a connection of
    // its own (pg_temp.feed_before is recreated there), so timings stay clean.
    const notices = []
    const plain = postgres(url, { max: 1, onnotice: (n) => notices.push(n.message) })
    try {
      for (const s of [
        "load 'auto_explain'",
        'set auto_explain.log_min_duration = 0',
        'set auto_explain.log_analyze = on',
        'set auto_explain.log_buffers = on',
        'set auto_explain.log_nested_statements = on',
        'set auto_explain.log_level = notice',
      ])
        await plain.unsafe(s)
      if (name.startsWith('pg_temp.')) await plain.unsafe(beforeFunction)
      await plain.unsafe(`select id from ${name}($1)`, [reader])
    } finally {
      await plain.end({ timeout: 5 })
    }
    console.log(`--- ${name}(${reader})`)
    for (const n of notices) console.log(n.replace(/'\{[0-9,]{200,}\}'/g, "'{…}'"))
  }
}

try {
  let t = performance.now()
  runCli(['migrate', '--phase', '9', '--database-url', url])
  await build()
  await sql`vacuum (analyze) users, posts, user_follows`
  const [c] = await sql`
    select (select count(*) from users) as users, (select count(*) from posts) as posts,
           (select count(*) from user_follows) as follows`
  console.log(
    `built ${c.users} users, ${c.posts} posts, ${c.follows} follows in ${((performance.now() - t) / 1000).toFixed(0)} s`,
  )
  t = performance.now()
  runCli(['migrate', '--database-url', url])
  console.log(`migrate 9 → 10: ${fmt(performance.now() - t)}`)
  t = performance.now()
  runCli(['reconcile', '--only', 'timelines', '--database-url', url])
  const [e] = await sql`
    select count(*)::int as readers, (select count(*)::int from feed_timeline_entries) as entries
    from feed_timeline_readers where ready`
  console.log(
    `reconcile --only timelines (enrols readers of ≥ 500 accounts): ${fmt(performance.now() - t)}, ${e.readers} timelines, ${e.entries} entries`,
  )
  await sql`vacuum (analyze) feed_timeline_readers, feed_timeline_entries`
  await sql.unsafe(beforeFunction)
  await sql.unsafe(serverTimer)
  const subjectsSql = readFileSync(
    new URL('../src/sql/explain/subjects.sql', import.meta.url),
    'utf8',
  )
  const [s] = await sql.unsafe(subjectsSql)
  const quiet = await sql`
    select follower_id as id, count(*)::int as n from user_follows
    where follower_id % 2000 = 7 group by 1 order by 2, 1`
  const kinds = [
    ['typical', s.typical],
    ['power', s.power],
    ['sparse', s.sparse],
    ['many quiet (explain)', s.quiet_many],
    ['quiet, fewest followees', quiet[0]?.id ?? null],
    ['quiet, median', quiet[Math.floor(quiet.length / 2)]?.id ?? null],
    ['quiet, most followees', quiet[quiet.length - 1]?.id ?? null],
  ]
  console.log(`\n${load()} (before timing)`)
  const inServer = []
  console.log(`\nClient-side (what the API sees):\n\n${HEADER}`)
  for (const [kind, reader] of kinds) {
    if (reader === null) {
      console.log(`| ${kind} | none in the data | | | | | |`)
      inServer.push(`| ${kind} | none in the data | | | | | |`)
      continue
    }
    const [f] = await sql`select count(*)::int as n from user_follows where follower_id = ${reader}`
    if (process.env.FEED_SCALE_PLANS) await plans(reader)
    const old = []
    const now = []
    for (let i = 0; i < RUNS + 5; i++) {
      const a = await time('pg_temp.feed_before', reader)
      const b = await time('vrss_feed', reader)
      if (a.ids !== b.ids) throw new Error(`reader ${reader}: the two feeds differ`)
      if (i >= 5) {
        old.push(a.ms)
        now.push(b.ms)
      }
    }
    console.log(row(kind, reader, f.n, old, now))
    const [times] = await sql`select before, after from pg_temp.feed_times(${reader}, ${RUNS})`
    inServer.push(row(kind, reader, f.n, times.before, times.after))
  }
  console.log(`\nIn the server (clock_timestamp around each call):\n\n${HEADER}`)
  for (const line of inServer) console.log(line)
  console.log(`\n${load()} (after timing)`)
} finally {
  await sql.end({ timeout: 5 })
  await server.stop()
}
