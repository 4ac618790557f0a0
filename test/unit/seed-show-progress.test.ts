// The seed core reports typed events; the command turns them into the same spinner lines and
// warnings as before the core was split out of it.
import { describe, expect, it } from 'vitest'
import { showProgress } from '../../src/lib/seed/report.js'
import type { Output } from '../../src/lib/ui/output.js'

function recorder() {
  const lines: string[] = []
  const out = {
    warn: (message: string) => lines.push(`warn ${message}`),
    progress: (text: string) => {
      lines.push(`start ${text}`)
      return {
        update: (t: string) => lines.push(`update ${t}`),
        succeed: (t?: string) => lines.push(`succeed ${t}`),
        fail: (t?: string) => lines.push(`fail ${t}`),
      }
    },
  }
  return { lines, out: out as unknown as Output }
}

describe('seed progress lines', () => {
  it('shows generating, loading and a failed VACUUM as before', () => {
    const { lines, out } = recorder()
    const report = showProgress(out)
    report({ type: 'generate-started', users: 12_000, seed: 7 })
    report({ type: 'generate-step', message: 'Generating users (step 1 of 18)' })
    report({ type: 'generated', users: 12_000, seed: 7 })
    report({ type: 'load-started' })
    report({ type: 'load-step', message: 'Loading posts (3 rows)' })
    report({ type: 'loaded' })
    report({ type: 'vacuum-failed', error: 'boom' })
    expect(lines).toEqual([
      'start Generating 12,000 users (seed 7)',
      'update Generating users (step 1 of 18)',
      'succeed Generated 12,000 users (seed 7)',
      'start Loading',
      'update Loading posts (3 rows)',
      'succeed Loaded',
      'warn The data is loaded, but VACUUM (ANALYZE) after it failed: boom. Run VACUUM ANALYZE later for good query plans.',
    ])
  })

  it('says when loading failed, and what an interrupted earlier seed left', () => {
    const { lines, out } = recorder()
    const report = showProgress(out)
    const load = {
      id: 1,
      started_at: new Date('2026-01-02T03:04:05.000Z'),
      seed: 42,
      users: 20,
      max_ids: {},
      started_by: 'host pid 1',
    }
    report({ type: 'interrupted-load-undone', load, tables: ['users', 'posts'] })
    report({ type: 'load-started' })
    report({ type: 'load-failed' })
    expect(lines).toEqual([
      'warn An earlier seed (started 2026-01-02T03:04:05.000Z by host pid 1) did not finish: removed the rows it had loaded into 2 tables, which were empty before it.',
      'start Loading',
      'fail Loading failed; nothing was written',
    ])
  })
})
