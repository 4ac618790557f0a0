// The real bin/vrss-db as a user runs it: output, exit codes, and bad input.
import { spawn } from 'node:child_process'
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, cleanEnv, runCli } from '../support/cli.js'
import { useTestDatabase } from '../support/db.js'
import { fakeServer, httpReply } from '../support/fake-server.js'

const db = useTestDatabase()

describe('vrss-db executable', () => {
  it('--help lists all six commands and exits 0', async () => {
    const run = await runCli(['--help'])
    expect(run.code).toBe(0)
    for (const name of [
      'migrate',
      'seed',
      'reconcile-counters|reconcile',
      'explain',
      'verify-triggers',
      'status',
    ]) {
      expect(run.stdout).toContain(name)
    }
  })

  it('--version prints the package version', async () => {
    const run = await runCli(['--version'])
    expect(run.code).toBe(0)
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('--json --version and --json help print one JSON document', async () => {
    const version = await runCli(['--json', '--version'])
    expect(version.code).toBe(0)
    expect(JSON.parse(version.stdout).version).toMatch(/^\d+\.\d+\.\d+/)
    for (const args of [
      ['--json', 'help'],
      ['--json', '--help'],
      ['--json', 'help', 'seed'],
    ]) {
      const help = await runCli(args)
      expect(help.code).toBe(0)
      expect(JSON.parse(help.stdout).usage).toContain('Usage: vrss-db')
    }
  })

  it('a duration without a unit, or a lock timeout of 0, is a usage error (2)', async () => {
    const bare = await runCli(['migrate', '--lock-wait', '300'])
    expect(bare.code).toBe(2)
    expect(bare.stderr).toContain('--lock-wait needs a unit')
    const zero = await runCli(['migrate', '--lock-timeout', '0'])
    expect(zero.code).toBe(2)
    expect(zero.stderr).toContain('0 disables the protection; use a positive duration')
  })

  it('an unknown command is a usage error (2), one line, no stack', async () => {
    const run = await runCli(['frobnicate'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain("unknown command 'frobnicate'")
    expect(run.stderr).not.toMatch(/\n\s+at /)
  })

  it('an unknown flag is a usage error (2)', async () => {
    const run = await runCli(['status', '--frobnicate'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain("unknown option '--frobnicate'")
  })

  it('a malformed URL is a usage error (2)', async () => {
    const run = await runCli(['status', '--database-url', 'postgres://u:pw@host:notaport/db'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('Malformed database URL')
    expect(run.stderr).not.toContain(':pw@')
  })

  it('an unreachable server is a runtime error (1) saying what to check', async () => {
    const run = await runCli([
      'status',
      '--database-url',
      'postgres://u@127.0.0.1:1/db?sslmode=disable',
    ])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('Connection refused by 127.0.0.1:1')
    expect(run.stderr).toContain('hint:')
    expect(run.stderr).not.toMatch(/\n\s+at /)
  })

  it('an HTTP server where PostgreSQL was expected: exit 1 at once, one line and a hint', async () => {
    const server = await fakeServer(httpReply)
    try {
      const run = await runCli(
        ['status', '--database-url', `postgres://u:pw-x9@127.0.0.1:${server.port}/db`],
        { timeoutMs: 20_000 },
      )
      expect(run.code).toBe(1)
      expect(run.stderr).toMatch(
        /^error: .*received invalid response to SSL negotiation: H\nhint: Is this a PostgreSQL server\?.*\n$/,
      )
      expect(run.stdout + run.stderr).not.toContain('pw-x9')
      expect(server.connections).toBeLessThanOrEqual(3)
    } finally {
      await server.close()
    }
  })

  it('a wrong password is 1 and the password is not echoed', async () => {
    const url = new URL(db.url)
    url.password = 'WrongPassword123'
    const run = await runCli(['status', '--database-url', url.toString()])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('Authentication failed')
    expect(run.stdout + run.stderr).not.toContain('WrongPassword123')
  })

  it('a missing database is 1 and names it', async () => {
    const url = new URL(db.url)
    url.pathname = '/vrss_missing_db'
    const run = await runCli(['status'], { env: { DATABASE_URL: url.toString() } })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('Database "vrss_missing_db" does not exist')
  })

  it('--json with an error prints one JSON error object on stdout, exit code kept', async () => {
    const run = await runCli(['status', '--json', '--database-url', 'postgres://u@127.0.0.1:1/db'])
    expect(run.code).toBe(1)
    const doc = JSON.parse(run.stdout)
    expect(doc.error.code).toBe('CONNECTION_REFUSED')
    expect(doc.error.exitCode).toBe(1)
  })

  it('--json with a usage error is a JSON error object too', async () => {
    const run = await runCli(['status', '--json', '--nope'])
    expect(run.code).toBe(2)
    expect(JSON.parse(run.stdout).error.exitCode).toBe(2)
  })

  it('status against DATABASE_URL reports the masked target and the server', async () => {
    const run = await runCli(['status', '--json'], { env: { DATABASE_URL: db.url } })
    expect(run.code).toBe(0)
    const doc = JSON.parse(run.stdout)
    expect(doc.target.source).toBe('DATABASE_URL')
    expect(doc.target.embedded).toBe(false)
    expect(doc.target.url).toContain(':****@')
    expect(doc.server.database).toBe(db.name)
    expect(doc.server.versionNum).toBeGreaterThanOrEqual(140000)
    expect(run.stdout).not.toContain(new URL(db.url).password)
  })

  it('status honours the PG* variables', async () => {
    const url = new URL(db.url)
    const run = await runCli(['status', '--json'], {
      env: {
        PGHOST: url.hostname,
        PGPORT: url.port,
        PGUSER: decodeURIComponent(url.username),
        PGPASSWORD: decodeURIComponent(url.password),
        PGDATABASE: db.name,
        PGSSLMODE: 'disable',
      },
    })
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout).target.source).toBe('PG* variables')
  })

  it('explain on an empty database says what to run first (exit 1)', async () => {
    const run = await runCli(['explain', '--database-url', db.url])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('Run `vrss-db migrate` and `vrss-db seed` first')
  })
})

describe('embedded default', () => {
  let home: string
  beforeAll(async () => {
    const parent = await mkdtemp(join(tmpdir(), 'vrss-db-e2e-'))
    await chmod(parent, 0o755)
    home = join(parent, 'home')
  })
  afterAll(async () => {
    await rm(join(home, '..'), { recursive: true, force: true })
  })

  it('status works with no database configured, initialising the folder on first use', async () => {
    const run = await runCli(['status', '--json'], { env: { VRSS_DB_HOME: home } })
    // It says that it made a database, and where, rather than doing so silently.
    expect(run.stderr).toBe(
      `Created a new embedded PostgreSQL 16 database in ${home}/data (first use of this folder; set VRSS_DB_HOME or give a database URL to use another)\n`,
    )
    expect(run.code).toBe(0)
    const doc = JSON.parse(run.stdout)
    expect(doc.target.embedded).toBe(true)
    expect(doc.server.version).toMatch(/^16\./)
    expect(doc.tablesPresent).toBe(0)
    // The second run reuses the initialised folder, quietly, and says what to do next.
    const again = await runCli(['status'], { env: { VRSS_DB_HOME: home } })
    expect(again.code).toBe(0)
    expect(again.stderr).toBe('')
    expect(again.stdout).toContain('Nothing is migrated yet: run `vrss-db migrate`')
  })

  it("a port clash gives the server's reason, not an empty rejection", async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as { port: number }).port
    try {
      const run = await runCli(['status'], {
        env: { VRSS_DB_HOME: home, VRSS_DB_PORT: String(port) },
      })
      expect(run.code).toBe(1)
      expect(run.stderr).toContain('did not start: FATAL:  could not create any TCP/IP sockets')
      expect(run.stderr).toContain('VRSS_DB_PORT')
    } finally {
      blocker.close()
    }
  })

  it('a data folder locked by another live process is a clear error, not a hang', async () => {
    const pidFile = join(home, 'data', 'postmaster.pid')
    // Our own pid is alive; a server that is not "ready" holds the folder.
    await writeFile(pidFile, `${process.pid}\n${home}/data\n0\n5432\n\n127.0.0.1\n0 0\nstarting\n`)
    try {
      const run = await runCli(['status'], { env: { VRSS_DB_HOME: home }, timeoutMs: 20_000 })
      expect(run.code).toBe(1)
      expect(run.stderr).toContain(`is locked by PostgreSQL process ${process.pid}`)
      expect(run.stderr).toContain('postmaster.pid')
    } finally {
      await rm(pidFile, { force: true })
    }
  })

  it('a stale postmaster.pid of a dead process does not stop the server', async () => {
    const pidFile = join(home, 'data', 'postmaster.pid')
    await writeFile(pidFile, `999999\n${home}/data\n0\n5432\n\n127.0.0.1\n0 0\nready\n`)
    const run = await runCli(['status', '--json'], { env: { VRSS_DB_HOME: home } })
    expect(run.code).toBe(0)
  })

  it('vrss-db server keeps it running; other commands reuse it; SIGINT stops it cleanly', async () => {
    const server = spawn(process.execPath, [BIN, 'server', '--json'], {
      env: cleanEnv({ VRSS_DB_HOME: home }),
    })
    let stdout = ''
    server.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    const exited = new Promise<number | null>((resolve) => server.on('exit', resolve))
    await expect.poll(() => stdout.includes('}'), { timeout: 20_000 }).toBe(true)
    const info = JSON.parse(stdout)
    expect(info.url).toContain(':****@127.0.0.1:')
    const run = await runCli(['status', '--json'], { env: { VRSS_DB_HOME: home } })
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout).target.url).toBe(info.url)
    server.kill('SIGINT')
    expect(await exited).toBe(0)
    await expect(readFile(join(home, 'data', 'postmaster.pid'))).rejects.toThrow()
  })

  it('a data folder that cannot be created is 1 with a clear message', async () => {
    const run = await runCli(['status'], { env: { VRSS_DB_HOME: '/proc/vrss-db-cannot-exist' } })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('is not writable')
    expect(run.stderr).toContain('VRSS_DB_HOME')
  })
})
