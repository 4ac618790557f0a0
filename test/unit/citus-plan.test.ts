// The Citus plan must keep up with the schema: every table a phase creates has a placement,
// and every trigger function a phase installs has a verdict.
import { describe, expect, it } from 'vitest'
import { CITUS_TABLES, CITUS_TRIGGER_FUNCTIONS } from '../../src/lib/schema/citus.js'
import { PHASES, VRSS_TABLES } from '../../src/lib/schema/manifest.js'

describe('the Citus plan', () => {
  it('places every table of the manifest (a new phase must add its tables to the plan)', () => {
    const missing = VRSS_TABLES.filter((table) => !CITUS_TABLES[table])
    expect(missing).toEqual([])
  })

  it('places only VRSS tables', () => {
    expect(Object.keys(CITUS_TABLES).filter((t) => !VRSS_TABLES.includes(t))).toEqual([])
  })

  it('has a verdict for every trigger function of the manifest', () => {
    const functions = new Set(PHASES.flatMap((p) => p.triggers.map((t) => t.function)))
    expect([...functions].filter((f) => !CITUS_TRIGGER_FUNCTIONS[f])).toEqual([])
  })

  it('co-locates tables only when their distribution columns have one type (bigint ids, text tokens)', () => {
    const groups = new Map<string, string[]>()
    for (const [table, plan] of Object.entries(CITUS_TABLES)) {
      if (plan.placement.kind !== 'distributed') continue
      groups.set(plan.placement.group, [...(groups.get(plan.placement.group) ?? []), table])
    }
    expect([...groups.keys()].sort()).toEqual(['conversation', 'token', 'user'])
    expect(groups.get('token')?.sort()).toEqual(['sessions', 'verification_tokens'])
  })

  it('says how each missing distribution column is added', () => {
    for (const plan of Object.values(CITUS_TABLES)) {
      if (plan.addColumn && plan.placement.kind === 'distributed') {
        expect(plan.addColumn).toContain(plan.placement.column)
      }
    }
  })
})
