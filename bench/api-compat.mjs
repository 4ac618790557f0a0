// Phase 006 (the VRSS API's shape) on a populated database: how long it takes, and how long
// the application's reads of posts are held up while it rewrites posts (varchar → enum).
// Usage: npm run bench:api-compat [-- users rounds]   (default 10000 users = MVP scale, 3 rounds)
import postgres from 'postgres'
import { benchServer, fmt, median, runCli } from './lib.mjs'

const users = Number(process.argv[2] ?? 10_000)
const rounds = Number(process.argv[3] ?? 3)
const server = await benchServer()
const admin = postgres(server.urlFor('postgres'), { max: 1, onnotice: () => {} })
const url = server.urlFor('bench_api_compat')
const applyMs = []
const phaseMs = []
const blockedMs = []
const rollbackMs = []
try {
  await admin.unsafe('create database bench_api_compat')
  runCli(['migrate', '--database-url', url])
  const seeded = runCli(['seed', '--users', String(users), '--database-url', url])
  console.log(`seeded ${users} users in ${fmt(seeded.ms)}`)
  const app = postgres(url, { max: 1, onnotice: () => {} })
  const [{ posts }] = await app`select count(*)::int as posts from posts`
  for (let round = 0; round < rounds; round++) {
    rollbackMs.push(
      runCli(['migrate', 'rollback', '--to', '5', '--yes', '--force', '--database-url', url]).ms,
    )
    // The application reads posts the whole time; its slowest read is the lock's cost.
    let stop = false
    let worst = 0
    const reader = (async () => {
      while (!stop) {
        const started = performance.now()
        await app`select id from posts where id = ${1 + Math.floor(Math.random() * posts)}`
        worst = Math.max(worst, performance.now() - started)
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    })()
    const { ms } = runCli(['migrate', '--database-url', url])
    stop = true
    await reader
    applyMs.push(ms)
    blockedMs.push(worst)
    const [row] = await app`select execution_ms from schema_migrations where version = 6`
    phaseMs.push(row.execution_ms)
  }
  await app.end()
  console.log(`posts: ${posts.toLocaleString('en-US')}; ${rounds} rounds of rollback to 5, then migrate`)
  console.log(`phase 006 inside PostgreSQL (schema_migrations)  median ${fmt(median(phaseMs))}  (${phaseMs.map(fmt).join(', ')})`)
  console.log(`whole 'vrss-db migrate' process                median ${fmt(median(applyMs))}`)
  console.log(`slowest application read of posts meanwhile     median ${fmt(median(blockedMs))}  (${blockedMs.map(fmt).join(', ')})`)
  console.log(`rollback of phase 006 (process)                 median ${fmt(median(rollbackMs))}`)
} finally {
  await admin.end()
  await server.stop()
}
