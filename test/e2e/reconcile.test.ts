// bin/vrss-db reconcile as cron runs it: exit codes for alerting, bad input.
import { execFile, execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { BIN, cleanEnv, runCli } from '../support/cli.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()

describe('vrss-db reconcile (end to end)', () => {
  it('--check exits 3 on drift, a repair exits 0, then --check exits 0; the long name works too', async () => {
    const { url, sql } = await db.createDatabase()
    const env = { DATABASE_URL: url }
    await runCli(['migrate'], { env })
    await runCli(['seed', '--users', '20'], { env })
    await sql.begin(async (tx) => {
      await tx`set local session_replication_role = replica`
      await tx`update posts set likes_count = likes_count + 1 where id = 1`
    })
    const check = await runCli(['reconcile', '--check'], { env })
    expect(check.code).toBe(3)
    // Not a terminal (as in cron): one logfmt line per counter.
    expect(check.stdout).toMatch(
      /^counter=likes target="posts\.likes_count" checked=100 drifted=1 delta=1 repaired=0 examples=1:\d+\/\d+$/m,
    )
    const repair = await runCli(['reconcile-counters', '--json'], { env })
    expect(repair.code, repair.stderr).toBe(0)
    expect(JSON.parse(repair.stdout).counters[0]).toMatchObject({
      target: 'posts.likes_count',
      repaired: 1,
    })
    expect((await runCli(['reconcile', '--check'], { env })).code).toBe(0)
  })

  it('a role that may only read is told which privileges a repair lacks, and --dry-run works', async () => {
    const { url, sql } = await db.createDatabase()
    const env = { DATABASE_URL: url }
    await runCli(['migrate'], { env })
    await runCli(['seed', '--users', '20'], { env })
    await sql.begin(async (tx) => {
      await tx`set local session_replication_role = replica`
      await tx`update posts set likes_count = likes_count + 1 where id = 1`
    })
    const role = `vrss_reader_${randomBytes(4).toString('hex')}`
    await sql.unsafe(`create role ${role} login password 'reader'`)
    try {
      await sql.unsafe(`grant select on all tables in schema public to ${role}`)
      const reader = new URL(url)
      reader.username = role
      reader.password = 'reader'
      const readerEnv = { DATABASE_URL: reader.toString() }
      const repair = await runCli(['reconcile'], { env: readerEnv })
      expect(repair.code, repair.stderr).toBe(1)
      expect(repair.stderr).toContain(
        `Cannot repair the counters: the role ${role} lacks UPDATE on posts, UPDATE on comments, UPDATE on storage_usage, INSERT on storage_usage`,
      )
      expect(repair.stderr).toContain('--dry-run')
      expect(repair.stderr).not.toMatch(/permission denied|SQLSTATE/)
      const dryRun = await runCli(['reconcile', '--dry-run', '--json'], { env: readerEnv })
      expect(dryRun.code, dryRun.stderr).toBe(0)
      expect(JSON.parse(dryRun.stdout).totalDrifted).toBe(1)
      await sql.unsafe(`revoke select on comments from ${role}`)
      const check = await runCli(['reconcile', '--check'], { env: readerEnv })
      expect(check.code, check.stderr).toBe(1)
      expect(check.stderr).toContain(
        'error: Cannot check the counters: permission denied for table comments',
      )
    } finally {
      await sql.unsafe(`drop owned by ${role}`)
      await sql.unsafe(`drop role ${role}`)
    }
  })

  // `script -qc … /dev/null` started from a non-terminal (a CI trick) gives a terminal of 0x0.
  const hasScript = (() => {
    try {
      execFileSync('script', ['--version'], { stdio: 'ignore' })
      return true
    } catch {
      return false
    }
  })()
  it.skipIf(!hasScript)(
    'in a pseudo terminal of 0 columns it finishes with plain lines',
    async () => {
      const { url } = await db.createDatabase()
      await runCli(['migrate'], { env: { DATABASE_URL: url } })
      const command = `'${process.execPath}' '${BIN}' reconcile`
      const run = await new Promise<{ code: number | string | null | undefined; output: string }>(
        (resolve) => {
          const child = execFile(
            'script',
            ['-qec', command, '/dev/null'],
            { env: cleanEnv({ DATABASE_URL: url }), timeout: 30_000, maxBuffer: 64 << 20 },
            (error, stdout) =>
              resolve({ code: error ? (error.code ?? error.signal) : 0, output: stdout }),
          )
          child.stdin?.end()
        },
      )
      expect(run.code).toBe(0)
      expect(run.output).toContain('Reconciling ...')
      expect(run.output.length).toBeLessThan(20_000)
    },
  )

  it.each([[['--batch-size', '0']], [['--only', 'nonsense']], [['--bogus']]])(
    '%j is a usage error (2)',
    async (args) => {
      const run = await runCli(['reconcile', ...args, '--database-url', db.url])
      expect(run.code).toBe(2)
    },
  )
})
