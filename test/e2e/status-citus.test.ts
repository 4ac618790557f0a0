// `vrss-db status --citus-readiness`: the report through the real binary, as JSON and as text.
import { beforeAll, describe, expect, it } from 'vitest'
import { VRSS_TABLES } from '../../src/lib/schema/manifest.js'
import { runCli } from '../support/cli.js'
import { migrateTo } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()

beforeAll(async () => {
  await migrateTo(db.sql, db.url)
})

describe('status --citus-readiness', () => {
  it('adds the readiness report to the JSON document and exits 0', async () => {
    const run = await runCli(['status', '--citus-readiness', '--json', '--database-url', db.url])
    expect(run.code).toBe(0)
    const document = JSON.parse(run.stdout)
    expect(document.findings).toEqual([])
    const readiness = document.citusReadiness
    expect(readiness.plan).toBe('docs/scaling.md')
    expect(readiness.tablesChecked).toBe(VRSS_TABLES.length)
    expect(readiness.counts.blocks).toBeGreaterThan(0)
    const email = readiness.items.find((i: { name: string }) => i.name === 'users_email_key')
    expect(email.reason).toBe(
      'unique constraint users_email_key on users(email) does not contain the distribution column id',
    )
  })

  it('keeps --check about the schema only: a migrated database still passes', async () => {
    const run = await runCli(['status', '--check', '--citus-readiness', '--database-url', db.url])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(
      new RegExp(
        `^Citus {5}${VRSS_TABLES.length} VRSS tables checked against docs/scaling\\.md: \\d+ refused by Citus`,
        'm',
      ),
    )
    expect(run.stdout).toContain('users_email_key')
    expect(run.stdout).toContain('user_follows_befriend')
  })

  it('leaves the report out without the flag', async () => {
    const run = await runCli(['status', '--json', '--database-url', db.url])
    expect(JSON.parse(run.stdout).citusReadiness).toBeUndefined()
  })
})
