// The README's example outputs come from real runs. Each example below names a command of the
// README (the `$ vrss-db …` line right after `<!-- example NAME -->`) and how to get a database
// for it; this script runs them on a fresh embedded server and writes their output under that
// line. test/e2e/readme-examples.test.ts runs them again and fails when a documented output no
// longer has the README's shape (numbers, times, ports and ids may differ).
//
//   npm run docs:examples      (builds first)
import { execFile, spawn } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const BIN = fileURLToPath(new URL('../bin/vrss-db', import.meta.url))
export const README = fileURLToPath(new URL('../README.md', import.meta.url))

/**
 * name → the database it needs ('empty', 'migrated' or 'seeded'), the arguments, and which
 * output lines to show ([from, to] ranges, 1-based, inclusive; negative counts from the end);
 * left-out lines are shown as one `…`.
 */
export const EXAMPLES = {
  'migrate-phase-2': { db: 'empty', args: ['migrate', '--phase', '2'] },
  'migrate-rollback': { db: 'migrated', args: ['migrate', 'rollback', '--to', '4', '--yes'] },
  seed: {
    db: 'migrated',
    args: ['seed', '--users', '20'],
    show: [
      [1, 12],
      [-7, -1],
    ],
  },
  'verify-triggers': {
    db: 'seeded',
    args: ['verify-triggers'],
    show: [
      [1, 5],
      [23, 26],
      [-5, -1],
    ],
  },
  status: {
    db: 'seeded',
    args: ['status'],
    show: [
      [1, 22],
      [-3, -1],
    ],
  },
}

/** Runs one example against `url`; stdout and stderr interleaved as a terminal would show them. */
export async function runExample(example, url) {
  const dir = mkdtempSync(join(tmpdir(), 'vrss-example-'))
  const file = join(dir, 'out')
  const fd = openSync(file, 'w')
  try {
    // Both streams into one file: the lines stay in the order they were written in.
    const child = spawn(process.execPath, [BIN, ...example.args, '--database-url', url], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', fd, fd],
    })
    await new Promise((resolve) => child.on('exit', resolve))
  } finally {
    closeSync(fd)
  }
  const text = readFileSync(file, 'utf8')
  rmSync(dir, { recursive: true, force: true })
  return selectLines(text.replace(/\n$/, '').split('\n'), example.show)
}

function selectLines(lines, show) {
  if (!show) return lines
  const at = (n) => (n < 0 ? lines.length + n + 1 : n)
  const out = []
  let last = 0
  for (const [from, to] of show) {
    const a = Math.max(at(from), last + 1)
    const b = Math.min(at(to), lines.length)
    if (a > last + 1) out.push('…')
    out.push(...lines.slice(a - 1, b))
    last = b
  }
  if (last < lines.length) out.push('…')
  return out
}

/** The README's output lines of an example: those after its `$` line, to the next `$` or fence. */
export function documented(readme, name) {
  const lines = readme.split('\n')
  const marker = lines.findIndex((l) => l.trim() === `<!-- example ${name} -->`)
  if (marker === -1) throw new Error(`README has no <!-- example ${name} --> marker`)
  const command = lines.findIndex((l, i) => i > marker && l.startsWith('$ vrss-db'))
  let end = command + 1
  while (end < lines.length && !lines[end].startsWith('$ ') && !lines[end].startsWith('```')) end++
  return { command, end, output: lines.slice(command + 1, end) }
}

/** What may differ between two runs: numbers (times, sizes, ids, ports) and table widths. */
export function shape(lines) {
  return lines.map((line) =>
    line
      .replace(/postgres:\/\/\S+/g, 'URL')
      .replace(/\bvrss_(?:example|test)_\w+/g, 'DB')
      .replace(/\b[\w-]+@[\w.-]+/g, 'USER@HOST')
      .replace(/\d[\d,.]*/g, '0')
      .replace(/─+/g, '─')
      .replace(/ +/g, ' ')
      .trimEnd(),
  )
}

async function main() {
  const { startEmbeddedServer } = await import('../dist/lib/db/embedded/index.js')
  const home = mkdtempSync(join(tmpdir(), 'vrss-examples-'))
  const server = await startEmbeddedServer({ home })
  const { user, password, host, port } = server.spec
  const urlFor = (db) => `postgres://${user}:${encodeURIComponent(password)}@${host}:${port}/${db}`
  const run = promisify(execFile)
  let readme = readFileSync(README, 'utf8')
  try {
    const postgres = (await import('postgres')).default
    const admin = postgres(urlFor('postgres'), { max: 1, onnotice: () => {} })
    let n = 0
    for (const [name, example] of Object.entries(EXAMPLES)) {
      const db = `vrss_example_${n++}`
      await admin.unsafe(`create database ${db}`)
      const url = urlFor(db)
      if (example.db !== 'empty')
        await run(process.execPath, [BIN, 'migrate', '--database-url', url])
      if (example.db === 'seeded')
        await run(process.execPath, [BIN, 'seed', '--users', '20', '--database-url', url])
      const output = await runExample(example, url)
      const lines = readme.split('\n')
      const { command, end } = documented(readme, name)
      lines.splice(command + 1, end - command - 1, ...output)
      readme = lines.join('\n')
      console.log(`${name}: ${output.length} lines`)
    }
    await admin.end()
  } finally {
    await server.stop()
    rmSync(home, { recursive: true, force: true })
  }
  writeFileSync(README, readme)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main()
