// On the MVP-scale seed, injects drift into ~0.1% of the rows of every counter (triggers
// bypassed), then times side by side: (a) the plan's likes-only reconciliation query (the plan's known problems,
// "Pitfall 2"; run in a transaction that is rolled back, so it leaves the drift for the others),
// (b) `reconcile --dry-run`, (c) `reconcile`; and checks that drift is zero afterwards. Several
// rounds (drift injected anew each time), medians reported: this machine is shared and noisy.
// Usage: npm run bench:reconcile [-- users [rounds]]
import postgres from 'postgres'
import { benchServer, median, runCli } from './lib.mjs'

const users = Number(process.argv[2] ?? 10000)
const rounds = Number(process.argv[3] ?? 5)
const server = await benchServer()
const url = server.urlFor('vrss')
const sql = postgres(url, { max: 1, onnotice: () => {} })

const PLAN_QUERY = `UPDATE posts p SET likes_count = (SELECT COUNT(*) FROM post_interactions WHERE post_id = p.id AND type = 'like')
WHERE likes_count != (SELECT COUNT(*) FROM post_interactions WHERE post_id = p.id AND type = 'like')`

async function injectDrift() {
  await sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`
    await tx`update posts set likes_count = likes_count + 3 where id % 1000 = 7`
    await tx`update posts set comments_count = comments_count + 1 where id % 1000 = 8`
    await tx`update posts set reposts_count = reposts_count + 2 where id % 1000 = 9`
    await tx`update comments set replies_count = replies_count + 1 where id % 1000 = 3`
    await tx`update storage_usage set used_bytes = used_bytes + 100 where user_id % 1000 = 5`
  })
}

async function timePlanQuery() {
  const started = performance.now()
  await sql
    .begin(async (tx) => {
      await tx.unsafe(PLAN_QUERY)
      throw Object.assign(new Error('rollback'), { rollback: true })
    })
    .catch((err) => {
      if (!err.rollback) throw err
    })
  return performance.now() - started
}

const reconcile = (...args) =>
  JSON.parse(runCli(['reconcile', ...args, '--json', '--database-url', url]).stdout)
const drifted = (r) => r.counters.reduce((s, c) => s + c.drifted, 0)
const s = (ms) => `${(ms / 1000).toFixed(2)} s`

try {
  runCli(['migrate', '--database-url', url])
  console.log(`seeding --users ${users} ...`)
  runCli(['seed', '--users', String(users), '--database-url', url])
  const a = []
  const b = []
  const c = []
  const longest = []
  for (let round = 1; round <= rounds; round++) {
    await injectDrift()
    a.push(await timePlanQuery())
    const dry = reconcile('--dry-run')
    const repair = reconcile()
    const after = reconcile('--dry-run')
    b.push(dry.elapsedMs)
    c.push(repair.elapsedMs)
    longest.push(repair.maxBatchMs)
    console.log(
      `round ${round}: (a) ${s(a.at(-1))}  (b) ${s(dry.elapsedMs)} [${drifted(dry)} drifted]  (c) ${s(repair.elapsedMs)} [${drifted(repair)} repaired, ${repair.batches} batches, longest ${repair.maxBatchMs} ms]  after: ${drifted(after)} drifted  (c)/(a) ${(repair.elapsedMs / a.at(-1)).toFixed(2)}`,
    )
  }
  console.log(`\nmedians over ${rounds} rounds:`)
  console.log(`(a) plan's likes-only UPDATE:  ${s(median(a))} (likes only)`)
  console.log(`(b) reconcile --dry-run:       ${s(median(b))} (all counters)`)
  console.log(
    `(c) reconcile:                 ${s(median(c))} (all counters; longest lock-holding batch ${Math.max(...longest)} ms)`,
  )
  console.log(
    `(c)/(a): median of the per-round ratios ${median(c.map((x, i) => x / a[i])).toFixed(2)}`,
  )
} finally {
  await sql.end()
  await server.stop()
}
