// On a fresh MVP-scale seed (--users 10000), prints in one run p50/p95 of the plan's feed query
// and of the shipped feed (vrss_feed) for the typical, power and sparse readers, and the other
// named queries against their targets.
// Usage: npm run bench:explain [-- users]
import { benchServer, runCli } from './lib.mjs'

const users = Number(process.argv[2] ?? 10000)
const server = await benchServer()
const url = server.urlFor('vrss')
try {
  runCli(['migrate', '--database-url', url])
  console.log(`seeding --users ${users} ...`)
  runCli(['seed', '--users', String(users), '--database-url', url])
  const result = JSON.parse(
    runCli(['explain', '--json', '--no-fail', '--runs', '50', '--database-url', url]).stdout,
  )
  for (const w of result.warnings) console.log(`warning: ${w}`)
  for (const t of result.timings) {
    console.log(
      `${t.query.padEnd(20)} ${t.subject.padEnd(32)} p50 ${String(t.p50).padStart(7)} ms  p95 ${String(t.p95).padStart(7)} ms  target < ${t.targetMs} ms  ${t.pass ? 'PASS' : t.reference ? 'miss (reference)' : 'FAIL'}`,
    )
  }
} finally {
  await server.stop()
}
