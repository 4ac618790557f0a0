// How long `vrss-db migrate` takes to apply all four phases to an empty database.
// Usage: npm run bench:migrate [-- runs]
import postgres from 'postgres'
import { benchServer, fmt, median, runCli } from './lib.mjs'

const runs = Number(process.argv[2] ?? 5)
const server = await benchServer()
const admin = postgres(server.urlFor('postgres'), { max: 1, onnotice: () => {} })
const wall = []
const phases = []
try {
  for (let i = 0; i < runs; i++) {
    const name = `bench_migrate_${i}`
    await admin.unsafe(`create database ${name}`)
    const { ms } = runCli(['migrate', '--database-url', server.urlFor(name)])
    wall.push(ms)
    const db = postgres(server.urlFor(name), { max: 1 })
    const [row] = await db`select sum(execution_ms)::int as ms from schema_migrations`
    phases.push(row.ms)
    await db.end()
  }
} finally {
  await admin.end()
  await server.stop()
}
console.log(`runs: ${runs}, each on a new empty database (embedded PostgreSQL 16)`)
console.log(`all phases, sum of schema_migrations.execution_ms  median ${fmt(median(phases))}`)
console.log(
  `whole 'vrss-db migrate' process (wall)           median ${fmt(median(wall))}  (target < 2 s)`,
)
