// What phase 10's timeline triggers cost the writers: on a fresh embedded server, the MVP seed
// (`seed --users N`, which enrols its readers of 500+ accounts), then rounds of the same writes
// with the timeline triggers enabled and disabled (each in a transaction that is rolled back, so
// every round starts from the same data), alternating: N posts by authors spread over all users
// (most have an enrolled follower), N posts by authors no enrolled reader follows, and N follows
// by enrolled readers. Prints the median time per row of each, with and without, and the
// difference.
// Usage: npm run bench:timeline-write [-- users rows rounds]   (defaults 10000 20000 5)
import postgres from 'postgres'
import { benchServer, median, runCli } from './lib.mjs'

const users = Number(process.argv[2] ?? 10_000)
const rows = Number(process.argv[3] ?? 20_000)
const rounds = Number(process.argv[4] ?? 5)

const WORKLOADS = {
  'posts, any author': `
    insert into posts (user_id, type, content, published_at)
    select 1 + (g * 7919) % ${users}, 'text_short', 'bench', now() from generate_series(1, ${rows}) g`,
  'posts, authors no enrolled reader follows': `
    insert into posts (user_id, type, content, published_at)
    select a.id, 'text_short', 'bench', now()
    from generate_series(1, ${rows}) g
    join (select id, row_number() over (order by id) as n from users u
          where not exists (select 1 from feed_timeline_sources s where s.author_id = u.id)) a
      on a.n = 1 + g % 200`,
  'follows by enrolled readers': `
    insert into user_follows (follower_id, following_id)
    select r.reader_id, u.id
    from feed_timeline_readers r
    cross join lateral (
      select id from users u
      where u.id <> r.reader_id
        and not exists (select 1 from user_follows f where f.follower_id = r.reader_id and f.following_id = u.id)
      order by u.id limit ${Math.ceil(rows / 20)}) u`,
}

const server = await benchServer()
const url = server.urlFor('vrss')
const sql = postgres(url, { max: 1, onnotice: () => {} })
try {
  runCli(['migrate', '--database-url', url])
  const seeded = runCli(['seed', '--users', String(users), '--database-url', url])
  const [r] = await sql`
    select count(*)::int as readers,
           (select count(distinct author_id)::int from feed_timeline_sources) as authors
    from feed_timeline_readers where ready`
  console.log(
    `seeded ${users} users in ${(seeded.ms / 1000).toFixed(1)} s: ${r.readers} enrolled readers, ${r.authors} authors with an enrolled follower`,
  )
  const times = {}
  for (let round = 0; round < rounds; round++) {
    for (const [name, statement] of Object.entries(WORKLOADS)) {
      for (const enabled of round % 2 ? [false, true] : [true, false]) {
        await sql
          .begin(async (tx) => {
            if (!enabled) {
              await tx`alter table posts disable trigger posts_timeline`
              await tx`alter table user_follows disable trigger user_follows_timeline`
            }
            const started = performance.now()
            const result = await tx.unsafe(statement)
            const ms = performance.now() - started
            const key = `${name}|${enabled}`
            times[key] ??= []
            times[key].push((ms * 1000) / result.count)
            throw new Error('roll back')
          })
          .catch((err) => {
            if (err.message !== 'roll back') throw err
          })
      }
    }
  }
  console.log(
    `\n| writes (${rows} rows a round, ${rounds} rounds) | with the timeline triggers | without | difference |\n|---|---:|---:|---:|`,
  )
  for (const name of Object.keys(WORKLOADS)) {
    const on = median(times[`${name}|true`])
    const off = median(times[`${name}|false`])
    console.log(
      `| ${name} | ${on.toFixed(1)} µs/row | ${off.toFixed(1)} µs/row | +${(on - off).toFixed(1)} µs |`,
    )
  }
} finally {
  await sql.end({ timeout: 5 })
  await server.stop()
}
