// What `vrss-db migrate` prints on stderr for each event of its core (cron and CI logs: no spinner).
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { progressOn } from '../../src/commands/migrate.js'
import { Output } from '../../src/lib/ui/output.js'

function captured() {
  const stderr = new PassThrough()
  let text = ''
  stderr.on('data', (chunk) => {
    text += chunk
  })
  const out = new Output({
    json: false,
    color: false,
    debug: false,
    stdout: new PassThrough() as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    env: {},
  })
  return { report: progressOn(out), text: () => text }
}

describe('migrate progress lines', () => {
  it('a phase applied, one applied by another runner, and a note in between', () => {
    const { report, text } = captured()
    report({ type: 'phase-start', version: 1, name: 'foundation', file: '001_foundation.sql' })
    report({ type: 'phase-done', version: 1, file: '001_foundation.sql', ms: 1500 })
    report({ type: 'phase-start', version: 5, name: 'feed', file: '005_feed.sql' })
    report({ type: 'note', text: '005_feed.sql: index i was left INVALID by an earlier run' })
    report({ type: 'phase-done', version: 5, file: '005_feed.sql', ms: undefined })
    expect(text()).toBe(
      [
        'Applying 001_foundation.sql ...',
        'Applied 001_foundation.sql in 1500 ms',
        'Applying 005_feed.sql ...',
        '005_feed.sql: index i was left INVALID by an earlier run',
        'Applied 005_feed.sql (by another runner)',
        '',
      ].join('\n'),
    )
  })

  it('a failed phase says whether anything of it stayed', () => {
    const { report, text } = captured()
    report({ type: 'phase-start', version: 2, name: 'content', file: '002_content.sql' })
    report({ type: 'phase-failed', version: 2, file: '002_content.sql', transactional: true })
    report({ type: 'phase-start', version: 5, name: 'feed', file: '005_feed.sql' })
    report({ type: 'phase-failed', version: 5, file: '005_feed.sql', transactional: false })
    expect(text()).toContain('002_content.sql failed; nothing of it was applied')
    expect(text()).toContain('005_feed.sql stopped half-way; the next migrate finishes it')
  })

  it('waiting for the migration lock names its holder when known', () => {
    const { report, text } = captured()
    report({ type: 'lock-wait', holder: undefined })
    report({
      type: 'lock-wait',
      holder: {
        pid: 42,
        application_name: '',
        client_addr: null,
        state: 'active',
        backend_start: new Date(0),
      },
    })
    expect(text()).toBe(
      'Waiting for another migration to finish ...\nWaiting for another migration to finish (pid 42, unknown application) ...\n',
    )
  })
})
