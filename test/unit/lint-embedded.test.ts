// The lint over the embedded phases is clean: a dangerous new phase fails `npm test` with the
// rule and the line. What the shipped phases do that the rules find is accepted, with its
// reason, in src/sql/migrations/lint-baseline.json — and nothing else is.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { loadMigrations } from '../../src/lib/migrate/files.js'
import { loadApiUses } from '../../src/lib/migrate/lint/api-uses.js'
import { loadBaseline } from '../../src/lib/migrate/lint/baseline.js'
import { lintPhases, phaseFileOf } from '../../src/lib/migrate/lint/lint.js'

const migrations = loadMigrations()

describe('migrate lint over the embedded phases', () => {
  const result = lintPhases({
    before: [],
    files: migrations.map(phaseFileOf),
    uses: loadApiUses(),
    baseline: loadBaseline(),
  })

  it('has no finding that is not accepted', () => {
    const where = result.findings.map((f) => `${f.file}:${f.line} ${f.rule}: ${f.statement}`)
    expect(where).toEqual([])
    expect(result.exitCode).toBe(0)
  })

  it('uses every baseline entry, each with a reason', () => {
    expect(result.staleBaseline).toEqual([])
    for (const entry of loadBaseline()) expect(entry.reason.length).toBeGreaterThan(20)
    expect(result.accepted.every((f) => f.accepted?.by === 'baseline')).toBe(true)
  })

  it('keeps api-uses.json equal to the tables, columns and enums of contract/vrss-api.json', () => {
    const contract = JSON.parse(
      readFileSync(new URL('../../contract/vrss-api.json', import.meta.url), 'utf8'),
    ) as { tables: Record<string, { columns: Record<string, unknown> }>; enums: object }
    const uses = loadApiUses()
    expect(Object.keys(uses.tables).sort()).toEqual(Object.keys(contract.tables).sort())
    for (const [table, { columns }] of Object.entries(contract.tables))
      expect([...(uses.tables[table] ?? [])].sort()).toEqual(Object.keys(columns).sort())
    expect([...uses.enums].sort()).toEqual(Object.keys(contract.enums).sort())
  })
})
