// bin/vrss-db migrate lint on a new phase file as a pull request would run it, and
// bin/vrss-db migrate trace leaving no scratch database behind.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadMigrations } from '../../src/lib/migrate/files.js'
import { runCli } from '../support/cli.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()

function phaseFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'vrss-lint-')), name)
  writeFileSync(path, text)
  return path
}

const BAD = `-- Phase 8: titles searchable
alter table posts add column search_token uuid default gen_random_uuid();
create index idx_posts_title on posts (title);
`

const GOOD = `-- vrss-db:no-transaction
-- Phase 8: titles searchable, without blocking posts
alter table posts add column if not exists search_token uuid;
create index concurrently if not exists idx_posts_title on posts (title);
`

describe('vrss-db migrate lint (end to end)', () => {
  it('exits 3 on a dangerous phase, naming each rule and line', async () => {
    const run = await runCli(['migrate', 'lint', phaseFile('008_search.sql', BAD)])
    expect(run.code, run.stderr).toBe(3)
    expect(run.stdout).toMatch(/008_search\.sql:2 {2}error {2}volatile-default {2}\(posts\)/)
    expect(run.stdout).toMatch(/008_search\.sql:3 {2}error {2}index-not-concurrent/)
    expect(run.stdout).toContain('create index concurrently if not exists')
    expect(run.stdout).toMatch(/Linted 1 phase file: 2 errors, 0 warnings\./)
  })

  it('exits 0 on its safe rewrite', async () => {
    const run = await runCli(['migrate', 'lint', phaseFile('008_search.sql', GOOD)])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain('Linted 1 phase file: no findings.')
  })

  it('is clean over the embedded phases, needs no database, and speaks JSON and Markdown', async () => {
    const run = await runCli(['migrate', 'lint', '--json'])
    expect(run.code, run.stderr).toBe(0)
    const doc = JSON.parse(run.stdout)
    expect(doc.findings).toEqual([])
    expect(doc.files).toHaveLength(loadMigrations().length)
    const md = await runCli([
      'migrate',
      'lint',
      '--format',
      'markdown',
      phaseFile('008_x.sql', BAD),
    ])
    expect(md.code).toBe(3)
    expect(md.stdout).toContain('| ❌ error | `volatile-default` |')
  })

  it('--phase out of range is a usage error (2)', async () => {
    const run = await runCli(['migrate', 'lint', '--phase', String(loadMigrations().length + 1)])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/--phase must be/)
  })
})

describe('vrss-db migrate trace (end to end)', () => {
  it('traces a phase, prints its locks, and leaves no vrss_scratch_ database', async () => {
    const run = await runCli(['migrate', 'trace', '--phase', '5', '--database-url', db.url])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain('005_feed.sql (no transaction')
    expect(run.stdout).toMatch(/SHARE UPDATE EXCLUSIVE\s+│ DDL, VACUUM\s+│ posts\s+│/)
    // Its own scratch database, named on stderr, is gone (other tests may run their own).
    const name = /Scratch database (vrss_scratch_\w+) ready/.exec(run.stderr)?.[1]
    expect(name, run.stderr).toBeDefined()
    expect(await db.sql`select 1 from pg_database where datname = ${name ?? ''}`).toHaveLength(0)
  })

  it('says when nothing is pending', async () => {
    const { url } = await db.createDatabase()
    await runCli(['migrate'], { env: { DATABASE_URL: url } })
    const run = await runCli(['migrate', 'trace', '--database-url', url])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/Nothing to trace: no phase is pending on .*--phase N/)
  })
})
