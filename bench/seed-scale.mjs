// The streamed seed at scale: for each --users N given (default 100000), seeds a fresh database
// on the embedded server and prints wall time, rows, rows/s and the seed process's peak RSS
// (process.resourceUsage().maxRSS at exit: the whole process, worker threads included), then
// times `reconcile --check` and `verify-triggers` on the result. Several sizes run side by
// side in one run, so peak RSS at 10K and 100K users can be compared directly. On the largest
// size it then measures the read side (bench/scale-reads.mjs: `explain feed` for every reader
// kind and for readers of 1,000 and 5,000 quiet accounts, reconcile next to the plan's
// likes-only UPDATE, verify-triggers); SEED_SCALE_NO_READS=1 skips that.
// Usage: npm run bench:seed-scale [-- 10000 100000]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { benchServer, runCli } from './lib.mjs'
import { measureReads } from './scale-reads.mjs'

const sizes = process.argv.slice(2).map(Number)
if (sizes.length === 0) sizes.push(100_000)
const hook = new URL('./rss-hook.mjs', import.meta.url).pathname
const scratch = mkdtempSync(join(tmpdir(), 'vrss-seed-scale-'))
const server = await benchServer()
const admin = postgres(server.urlFor('postgres'), { max: 1, onnotice: () => {} })

/** Runs the CLI, returning wall ms, exit code and stdout (a failing check is a result here). */
function cli(args, env) {
  try {
    return { code: 0, ...runCli(args, env) }
  } catch (err) {
    return { code: err.status ?? 1, ms: Number.NaN, stdout: String(err.stdout ?? '') }
  }
}

const results = []
try {
  for (const users of sizes) {
    const db = `bench_scale_${users}`
    await admin.unsafe(`create database ${db}`)
    const url = server.urlFor(db)
    runCli(['migrate', '--database-url', url])
    const rssFile = join(scratch, `rss-${users}.json`)
    const seedArgs = ['seed', '--users', String(users), '--yes', '--json', '--database-url', url]
    const seeded = runCli(seedArgs, {
      NODE_OPTIONS: `--import=${hook}`,
      VRSS_BENCH_RSS_FILE: rssFile,
    })
    const outcome = JSON.parse(seeded.stdout)
    const { maxRssKb } = JSON.parse(readFileSync(rssFile, 'utf8'))
    const drift = Object.values(outcome.drift).reduce((a, b) => a + Number(b), 0)
    const reconcile = cli(['reconcile', '--check', '--database-url', url])
    const verify = cli(['verify-triggers', '--database-url', url])
    const result = {
      users,
      rows: outcome.totalRows,
      wallS: seeded.ms / 1000,
      rowsPerS: Math.round(outcome.totalRows / (seeded.ms / 1000)),
      peakRssMb: Math.round(maxRssKb / 1024),
      drift,
      strategy: outcome.timings.strategy,
      timings: outcome.timings,
      reconcileCheck: `${(reconcile.ms / 1000).toFixed(1)} s (exit ${reconcile.code})`,
      verifyTriggers: `${(verify.ms / 1000).toFixed(1)} s (exit ${verify.code})`,
    }
    results.push(result)
    console.log(JSON.stringify(result))
    // The read side at the largest size (bench/scale-reads.mjs): feed, reconcile, verify.
    if (users === Math.max(...sizes) && !process.env.SEED_SCALE_NO_READS) {
      result.reads = await measureReads(url)
    }
    await admin.unsafe(`drop database ${db}`)
  }
  console.log('')
  console.log(
    `${'users'.padStart(8)} ${'rows'.padStart(11)} ${'wall'.padStart(8)} ${'rows/s'.padStart(9)} ${'peak RSS'.padStart(9)} drift  reconcile --check  verify-triggers`,
  )
  for (const r of results) {
    console.log(
      `${String(r.users).padStart(8)} ${String(r.rows).padStart(11)} ${`${r.wallS.toFixed(1)} s`.padStart(8)} ${String(r.rowsPerS).padStart(9)} ${`${r.peakRssMb} MB`.padStart(9)} ${String(r.drift).padStart(5)}  ${r.reconcileCheck.padEnd(17)}  ${r.verifyTriggers}`,
    )
  }
  for (const r of results.filter((x) => x.reads)) {
    console.log(`\nThe read side at ${r.users.toLocaleString('en-US')} users:\n`)
    console.log('| what | figure |\n|---|---|')
    for (const [what, figure] of r.reads) console.log(`| ${what} | ${figure} |`)
  }
  if (results.length > 1) {
    const [a, b] = [results[0], results.at(-1)]
    console.log(
      `peak RSS ratio ${b.users}/${a.users} users: ${(b.peakRssMb / a.peakRssMb).toFixed(2)} (rows ratio ${(b.rows / a.rows).toFixed(1)})`,
    )
  }
} finally {
  await admin.end()
  await server.stop()
  rmSync(scratch, { recursive: true, force: true })
}
