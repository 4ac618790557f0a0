// Databases a writing command should not change silently: templates, the maintenance database,
// and one whose search_path leaves no schema to create tables in.
import { describe, expect, it } from 'vitest'
import { runCli } from '../support/cli.js'
import { urlForDatabase, useTestDatabase } from '../support/db.js'

const db = useTestDatabase()

describe('no schema to create in', () => {
  it('public dropped: migrate says what is wrong and how to fix it; status shows it', async () => {
    const { url, sql } = await db.createDatabase()
    await sql`drop schema public cascade`
    const migrate = await runCli(['migrate', '--database-url', url])
    expect(migrate.code).toBe(1)
    expect(migrate.stderr).toContain(
      'no schema to create in: the search_path ("$user", public) names no existing schema',
    )
    expect(migrate.stderr).toContain('CREATE SCHEMA public')
    const status = await runCli(['status', '--database-url', url])
    expect(status.code, status.stderr).toBe(0)
    expect(status.stdout).toContain('no schema,')
    expect(status.stdout).toContain('no schema to create in')
    expect(status.stdout).not.toContain('schema null')
    const check = await runCli(['status', '--check', '--json', '--database-url', url])
    expect(check.code).toBe(3)
    const doc = JSON.parse(check.stdout)
    expect(doc.server.schema).toBeNull()
    expect(doc.findings[0]).toContain('no schema to create in')
  })

  it('a search_path naming only missing schemas is the same error, quoting it', async () => {
    const { url, sql, name } = await db.createDatabase()
    await sql.unsafe(`alter database ${name} set search_path = nowhere`)
    const migrate = await runCli(['migrate', '--database-url', url])
    expect(migrate.code).toBe(1)
    expect(migrate.stderr).toContain('the search_path (nowhere) names no existing schema')
  })
})

describe('template and maintenance databases', () => {
  it('a template database is refused without --yes, and nothing is written', async () => {
    const { url, sql, name } = await db.createDatabase()
    await sql.unsafe(`alter database ${name} is_template true`)
    try {
      for (const command of [['migrate'], ['seed']]) {
        const run = await runCli([...command, '--database-url', url])
        expect(run.code).toBe(1)
        expect(run.stderr).toContain(`${name} is a template database`)
        expect(run.stderr).toContain('--yes')
      }
      const [before] = await sql`select to_regclass('users') is null as absent`
      expect(before?.absent).toBe(true)
      const yes = await runCli(['migrate', '--yes', '--database-url', url])
      expect(yes.code, yes.stderr).toBe(0)
    } finally {
      await sql.unsafe(`alter database ${name} is_template false`)
    }
  })

  it('the maintenance database postgres gets a warning', async () => {
    const run = await runCli(['migrate', '--dry-run', '--database-url', urlForDatabase('postgres')])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toContain('warning: postgres is the maintenance database')
  })
})
