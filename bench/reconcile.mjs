// On the MVP-scale seed, injects drift into ~0.1% of the rows of every counter (triggers
// bypassed), then times side by side: (a) the plan's likes-only reconciliation query (the plan's known problems,
// "Pitfall 2"; run in a transaction that is rolled back, so it leaves the drift for the others),
// (b) `reconcile --dry-run`, (c) `reconcile`; and checks that drift is zero afterwards. Several
// rounds (drift injected anew each time), medians reported: this machine is shared and noisy.
// Usage: npm run bench:reconcile [-- users [rounds]]
import postgres from 'postgres'
import { benchServer, injectDrift, median, runCli, timePlanQuery } from './lib.mjs'

const users = Number(process.argv[2] ?? 10000)
const rounds = Number(process.argv[3] ?? 5)
const server = await benchServer()
const url = server.urlFor('vrss')
const sql = postgres(url, { max: 1, onnotice: () => {} })

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
    await injectDrift(sql)
    a.push(await timePlanQuery(sql))
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
