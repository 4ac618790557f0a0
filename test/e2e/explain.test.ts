// bin/vrss-db explain as pasted into a pull request.
import { describe, expect, it } from 'vitest'
import { runCli } from '../support/cli.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()

describe('vrss-db explain (end to end)', () => {
  it('prints a markdown block; a missing asserted index exits 3; --no-fail exits 0; bad names exit 2', async () => {
    const { url } = await db.createDatabase()
    const env = { DATABASE_URL: url }
    await runCli(['migrate'], { env })
    await runCli(['seed', '--users', '20'], { env })
    // Targets are wall-clock: on a busy machine they may be missed. This asserts the report's
    // shape; --no-fail keeps a slow run from failing the test.
    const md = await runCli(
      ['explain', 'feed', 'quota', '--runs', '3', '--format', 'markdown', '--no-fail'],
      { env },
    )
    expect(md.code, md.stderr).toBe(0)
    expect(md.stdout).toMatch(/^### vrss-db explain/)
    expect(md.stdout).toContain('| feed (plan) | typical reader')
    expect(md.stdout).toContain('| feed (shipped) | typical reader')
    expect(md.stdout).toContain('these timings say little about production')
    const assert = await runCli(['explain', 'quota', '--runs', '2', '--assert-index', 'idx_nope'], {
      env,
    })
    expect(assert.code).toBe(3)
    expect(assert.stdout).toContain('FAIL no measured plan uses index idx_nope')
    const reportOnly = await runCli(
      ['explain', 'quota', '--runs', '2', '--assert-index', 'idx_nope', '--no-fail'],
      { env },
    )
    expect(reportOnly.code).toBe(0)
    const bad = await runCli(['explain', 'nonsense'], { env })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('Unknown query "nonsense"')
  })
})
