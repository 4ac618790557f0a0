// How the readiness report reads at a terminal: totals in one line, alike items in one row.
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import type { ReadinessItem } from '../../src/lib/schema/citus-check.js'
import type { CitusReadiness } from '../../src/lib/schema/citus-readiness.js'
import {
  describeCounts,
  groupAlike,
  renderCitusReadiness,
} from '../../src/lib/status/citus-report.js'
import { Output } from '../../src/lib/ui/output.js'

const trigger = (table: string): ReadinessItem => ({
  table,
  kind: 'trigger',
  name: `${table}_set_updated_at`,
  effect: 'setting',
  reason: 'touches only its own row',
  fix: 'keep it',
})

const email: ReadinessItem = {
  table: 'users',
  kind: 'unique constraint',
  name: 'users_email_key',
  effect: 'blocks',
  reason:
    'unique constraint users_email_key on users(email) does not contain the distribution column id',
  fix: 'keep email uniqueness in a reference table',
}

const readiness: CitusReadiness = {
  plan: 'docs/scaling.md',
  tablesChecked: 24,
  counts: { blocks: 1, breaks: 0, rewrite: 0, setting: 2 },
  items: [trigger('users'), email, trigger('posts')],
}

describe('the readiness report', () => {
  it('groups items that differ only in their table, the worst effect first', () => {
    const groups = groupAlike(readiness.items)
    expect(groups.map((g) => [g.effect, g.names])).toEqual([
      ['blocks', ['users_email_key']],
      ['setting', ['users_set_updated_at', 'posts_set_updated_at']],
    ])
  })

  it('counts by effect, leaving out the empty ones', () => {
    expect(describeCounts(readiness)).toBe(
      '1 refused by Citus, 2 needing citus.enable_unsafe_triggers',
    )
    expect(
      describeCounts({ ...readiness, counts: { blocks: 0, breaks: 0, rewrite: 0, setting: 0 } }),
    ).toBe('nothing to change')
  })

  it('prints the totals and a table with the reason and the fix', () => {
    const stdout = new PassThrough()
    let text = ''
    stdout.on('data', (chunk) => {
      text += chunk.toString()
    })
    const out = new Output({
      json: false,
      color: false,
      debug: false,
      env: {},
      stdout: stdout as unknown as NodeJS.WriteStream,
    })
    renderCitusReadiness(readiness, out)
    expect(text).toContain('24 VRSS tables checked against docs/scaling.md')
    expect(text).toContain('users_email_key')
    expect(text).toContain('2 tables')
    expect(text).toContain('→ keep email uniqueness')
  })
})
