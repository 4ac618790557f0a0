// The write path before and after phase 008 (counters), in one run on one fresh server:
// `vrss-db bench` on the database at phase 7 (shipped counter triggers), then at phase 8, with
// the same workloads, clients, data and seed. Each bench run measures its own trigger-free
// floor on the same rows, so the ratios compare. Prints the README's "Write path" table.
// Usage: npm run bench:write-path [-- seconds users posts]
import { benchServer, runCli } from './lib.mjs'

const seconds = Number(process.argv[2] ?? 10)
const users = String(process.argv[3] ?? 10000)
const posts = String(process.argv[4] ?? 100000)
const WORKLOADS = [
  'likes-spread@4',
  'likes-hot@8',
  'comments@4',
  'follows@4',
  'uploads@4',
  'app-day@4',
]

const server = await benchServer()
const url = server.urlFor('vrss')
const bench = () =>
  JSON.parse(
    runCli([
      'bench',
      ...WORKLOADS,
      '--duration',
      `${seconds}s`,
      '--users',
      users,
      '--posts',
      posts,
      '--json',
      '--yes',
      '--database-url',
      url,
    ]).stdout,
  )
try {
  runCli(['migrate', '--phase', '7', '--database-url', url])
  console.log(
    `phase 7: ${WORKLOADS.join(' ')}, ${seconds} s per copy, ${users} users, ${posts} posts ...`,
  )
  const shipped = bench()
  runCli(['migrate', '--phase', '8', '--database-url', url])
  console.log('phase 8 ...')
  const counters = bench()
  console.log(`driver: ${counters.driverNote}\n`)
  console.log(
    '| workload | clients | phase 7 tps | phase 7 floor | phase 7 ratio | phase 8 tps | phase 8 floor | phase 8 ratio | p95 ms 7 → 8 | p99 ms 7 → 8 | errors 7 / 8 | counters 7 / 8 |',
  )
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|')
  const tps = (n) => Math.round(n).toLocaleString('en-US')
  const errors = (m) => m.deadlocks + m.serialization + m.otherErrors
  for (const before of shipped.workloads) {
    const after = counters.workloads.find((w) => w.workload === before.workload)
    console.log(
      `| ${before.workload} | ${before.clients} | ${tps(before.triggers.tps)} | ${tps(before.floor.tps)} | ${before.ratio.toFixed(2)} | ${tps(after.triggers.tps)} | ${tps(after.floor.tps)} | ${after.ratio.toFixed(2)} | ${before.triggers.p95} → ${after.triggers.p95} | ${before.triggers.p99} → ${after.triggers.p99} | ${errors(before.triggers)} / ${errors(after.triggers)} | ${before.exact ? 'exact' : 'DRIFT'} / ${after.exact ? 'exact' : 'DRIFT'} |`,
    )
  }
  console.log(
    '\nWhere the time goes (triggers copy; WAL per committed transaction, posts updates, HOT share):\n',
  )
  console.log('| workload | WAL/tx 7 → 8 | floor WAL/tx | posts updates 7 → 8 | HOT 7 → 8 |')
  console.log('|---|---|---|---|---|')
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} kB`
  const hot = (share) => (share === null ? '—' : `${Math.round(share * 100)}%`)
  for (const before of shipped.workloads) {
    const after = counters.workloads.find((w) => w.workload === before.workload)
    const [b, a] = [before.profile.triggers, after.profile.triggers]
    console.log(
      `| ${before.workload} | ${kb(b.walBytesPerTx)} → ${kb(a.walBytesPerTx)} | ${kb(after.profile.floor.walBytesPerTx)} | ${b.postsUpdates.toLocaleString('en-US')} → ${a.postsUpdates.toLocaleString('en-US')} | ${hot(b.hotShare)} → ${hot(a.hotShare)} |`,
    )
  }
} finally {
  await server.stop()
}
