// Bringing posts.visibility to the API's enum on a populated database, two ways side by side:
//   in place — one ALTER COLUMN … TYPE in phase 006 (what a migration tool would write first):
//              rewrites posts and its indexes under ACCESS EXCLUSIVE;
//   shipped  — phase 006 without posts, then phase 007's trigger-synced backfill and swap.
// For each: the phase time inside PostgreSQL, the whole `vrss-db migrate`, and the slowest
// read of posts by an application reading all along (what the lock costs the users).
// Usage: npm run bench:api-compat [-- users rounds]   (default 10000 users = MVP scale, 3 rounds)
import { execFile } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import postgres from 'postgres'
import { BIN, benchServer, fmt, median, runCli } from './lib.mjs'

const users = Number(process.argv[2] ?? 10_000)
const rounds = Number(process.argv[3] ?? 3)
const shipped = new URL('../dist/sql/migrations/', import.meta.url).pathname

/** The in-place variant: phases 001–005, and 006 with posts.visibility altered in place. */
function inPlaceDir() {
  const dir = mkdtempSync(join(tmpdir(), 'vrss-bench-inplace-'))
  cpSync(shipped, dir, { recursive: true })
  rmSync(join(dir, '007_posts_visibility.sql'))
  rmSync(join(dir, '007_posts_visibility.down.sql'))
  const up = readFileSync(join(dir, '006_api_compat.sql'), 'utf8')
  writeFileSync(
    join(dir, '006_api_compat.sql'),
    `${up}
alter table posts
  drop constraint posts_visibility_check,
  alter column visibility drop default,
  alter column visibility type "ProfileVisibility" using visibility::"ProfileVisibility",
  alter column visibility set default 'public';
`,
  )
  const down = readFileSync(join(dir, '006_api_compat.down.sql'), 'utf8')
  writeFileSync(
    join(dir, '006_api_compat.down.sql'),
    down.replace(
      'drop table if exists pending_uploads',
      `alter table posts
  alter column visibility drop default,
  alter column visibility type varchar(20) using visibility::text,
  alter column visibility set default 'public',
  add constraint posts_visibility_check check (visibility in ('public', 'followers', 'private'));
drop table if exists pending_uploads`,
    ),
  )
  return dir
}

const server = await benchServer()
const admin = postgres(server.urlFor('postgres'), { max: 1, onnotice: () => {} })
const url = server.urlFor('bench_api_compat')
const inPlace = inPlaceDir()
const results = { 'in place': [], shipped: [] }

/** Runs `migrate` (async, so that the reader keeps reading) and reports what it cost. */
async function measuredMigrate(app, posts, dirArgs, versions) {
  let stop = false
  let worst = 0
  const reader = (async () => {
    while (!stop) {
      const started = performance.now()
      await app`select id, visibility from posts where id = ${1 + Math.floor(Math.random() * posts)}`
      worst = Math.max(worst, performance.now() - started)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  })()
  const started = performance.now()
  await promisify(execFile)(process.execPath, [BIN, 'migrate', ...dirArgs, '--database-url', url])
  const wall = performance.now() - started
  stop = true
  await reader
  const [row] =
    await app`select sum(execution_ms)::int as ms from schema_migrations where version = any(${versions})`
  return { phaseMs: row.ms, wall, worst }
}

try {
  await admin.unsafe('create database bench_api_compat')
  runCli(['migrate', '--database-url', url])
  const seeded = runCli(['seed', '--users', String(users), '--database-url', url])
  console.log(`seeded ${users} users in ${fmt(seeded.ms)}`)
  const app = postgres(url, { max: 1, onnotice: () => {} })
  const [{ posts }] = await app`select count(*)::int as posts from posts`
  for (let round = 0; round < rounds; round++) {
    runCli(['migrate', 'rollback', '--to', '5', '--yes', '--force', '--database-url', url])
    results['in place'].push(await measuredMigrate(app, posts, ['--migrations-dir', inPlace], [6]))
    runCli([
      'migrate',
      '--migrations-dir',
      inPlace,
      'rollback',
      '--to',
      '5',
      '--yes',
      '--force',
      '--database-url',
      url,
    ])
    results.shipped.push(await measuredMigrate(app, posts, [], [6, 7]))
  }
  await app.end()
  console.log(`posts: ${posts.toLocaleString('en-US')}; ${rounds} rounds, both ways in each round`)
  for (const [name, runs] of Object.entries(results)) {
    const m = (key) => fmt(median(runs.map((r) => r[key])))
    console.log(
      `${name.padEnd(9)} phases in PostgreSQL ${m('phaseMs')} · whole migrate ${m('wall')} · slowest read of posts meanwhile ${m('worst')} (${runs.map((r) => fmt(r.worst)).join(', ')})`,
    )
  }
} finally {
  await admin.end()
  await server.stop()
  rmSync(inPlace, { recursive: true, force: true })
}
