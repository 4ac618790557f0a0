/**
 * Presence proofs: every trigger the phases create exists, is enabled (not switched off by a
 * bulk load), sits on the right table, fires on the right events and calls the right function.
 */
import type { Sql } from '../db/connect.js'
import { query } from '../db/sql-files.js'
import { PHASES } from '../schema/manifest.js'
import type { ProofResult } from './proofs.js'

interface ObjectRow {
  kind: 'index' | 'trigger'
  name: string
  table: string
  function: string
  enabled: string
  definition: string
}

/** The triggers of the `applied` phases (versions); a pending phase's triggers are not expected. */
export async function checkPresence(sql: Sql, applied: Set<number>): Promise<ProofResult[]> {
  const started = performance.now()
  const rows = (await query<ObjectRow>(sql, 'queries/status-objects')).filter(
    (r) => r.kind === 'trigger',
  )
  const byName = new Map(rows.map((r) => [`${r.table}.${r.name}`, r]))
  const ms = Math.round((performance.now() - started) * 10) / 10
  const triggers = PHASES.filter((p) => applied.has(p.version)).flatMap((p) => p.triggers)
  return triggers.map((expected): ProofResult => {
    const name = `trigger ${expected.table}.${expected.name} is present and enabled`
    const found = byName.get(`${expected.table}.${expected.name}`)
    const events = found
      ? /^CREATE (?:CONSTRAINT )?TRIGGER \S+ (.+?) ON /.exec(found.definition)?.[1]
      : undefined
    const fail = (error: string, actual: unknown, want: unknown) => ({
      name,
      ok: false,
      ms,
      error,
      expected: want,
      actual,
    })
    if (!found) return fail('missing', 'absent', 'present')
    if (found.enabled === 'D')
      return fail('disabled (ALTER TABLE … DISABLE TRIGGER)', 'disabled', 'enabled')
    if (found.function !== expected.function)
      return fail('calls another function', found.function, expected.function)
    if (events !== expected.events) return fail('fires on other events', events, expected.events)
    return { name, ok: true, ms }
  })
}
