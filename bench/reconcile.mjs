// On the MVP-scale seed, injects drift into ~0.1% of the rows of every counter (triggers
// bypassed), then times in one run: (a) the plan's likes-only reconciliation query (SPEC §8,
// "Pitfall 2"; run in a transaction that is rolled back, so it leaves the drift for the others),
// (b) `reconcile --dry-run`, (c) `reconcile`; and checks that drift is zero afterwards.
// Usage: npm run bench:reconcile [-- users]
import postgres from 'postgres'
import { benchServer, runCli } from './lib.mjs'

const users = Number(process.argv[2] ?? 10000)
const server = await benchServer()
const url = server.urlFor('vrss')
const sql = postgres(url, { max: 1, onnotice: () => {} })
try {
  runCli(['migrate', '--database-url', url])
  console.log(`seeding --users ${users} ...`)
  runCli(['seed', '--users', String(users), '--database-url', url])
  await sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`
    await tx`update posts set likes_count = likes_count + 3 where id % 1000 = 7`
    await tx`update posts set comments_count = comments_count + 1 where id % 1000 = 8`
    await tx`update posts set reposts_count = reposts_count + 2 where id % 1000 = 9`
    await tx`update comments set replies_count = replies_count + 1 where id % 1000 = 3`
    await tx`update storage_usage set used_bytes = used_bytes + 100 where user_id % 1000 = 5`
  })
  const started = performance.now()
  await sql
    .begin(async (tx) => {
      await tx.unsafe(`UPDATE posts p SET likes_count = (SELECT COUNT(*) FROM post_interactions WHERE post_id = p.id AND type = 'like')
      WHERE likes_count != (SELECT COUNT(*) FROM post_interactions WHERE post_id = p.id AND type = 'like')`)
      throw Object.assign(new Error('rollback'), { rollback: true })
    })
    .catch((err) => {
      if (!err.rollback) throw err
    })
  const plan = performance.now() - started
  const dry = JSON.parse(runCli(['reconcile', '--dry-run', '--json', '--database-url', url]).stdout)
  const repair = JSON.parse(runCli(['reconcile', '--json', '--database-url', url]).stdout)
  const after = JSON.parse(
    runCli(['reconcile', '--dry-run', '--json', '--database-url', url]).stdout,
  )
  const drifted = (r) => r.counters.reduce((s, c) => s + c.drifted, 0)
  console.log(`(a) plan's likes-only UPDATE:        ${(plan / 1000).toFixed(2)} s (likes only)`)
  console.log(
    `(b) reconcile --dry-run:             ${(dry.elapsedMs / 1000).toFixed(2)} s, ${drifted(dry)} drifted rows found (all counters)`,
  )
  console.log(
    `(c) reconcile:                       ${(repair.elapsedMs / 1000).toFixed(2)} s, ${drifted(repair)} rows repaired, ${repair.batches} batches, longest lock-holding batch ${repair.maxBatchMs} ms`,
  )
  console.log(
    `afterwards: ${drifted(after)} drifted rows; ratio (c)/(a) = ${(repair.elapsedMs / plan).toFixed(2)}`,
  )
} finally {
  await sql.end()
  await server.stop()
}
