// How status reads: the findings that fail --check, and the text for a person.
import { describe, expect, it } from 'vitest'
import type { SchemaProblems } from '../../src/lib/schema/check.js'
import { describeFindings } from '../../src/lib/status/findings.js'
import { describeReplica, describeReplicas, renderStatus } from '../../src/lib/status/report.js'
import type { StatusResult } from '../../src/lib/status/types.js'
import { Output } from '../../src/lib/ui/output.js'

const plain = new Output({ json: false, color: false, debug: false, env: {} })

const noProblems: SchemaProblems = {
  missingTables: [],
  missingIndexes: [],
  missingTriggers: [],
  disabledTriggers: [],
  alteredTriggers: [],
  invalidIndexes: [],
}

describe('describeFindings', () => {
  it('finds nothing on a fully migrated, healthy database', () => {
    expect(
      describeFindings([{ version: 1, name: 'foundation', state: 'applied' }], noProblems, []),
    ).toEqual([])
  })

  it('lists phases by state, then schema problems, then leftovers', () => {
    const findings = describeFindings(
      [
        { version: 1, name: 'foundation', state: 'edited' },
        { version: 2, name: 'content_social', state: 'pending' },
        { version: 9, name: 'later', state: 'unknown' },
      ],
      { ...noProblems, disabledTriggers: ['posts.t'], invalidIndexes: ['idx_a', 'idx_b'] },
      ['vrss_verify_1'],
    )
    expect(findings).toEqual([
      'pending phases: 2 content_social',
      'edited phases: 1 foundation',
      'unknown phases: 9 later',
      'disabled triggers: posts.t',
      'INVALID indexes: idx_a, idx_b',
      'scratch schemas left by interrupted verify-triggers runs (the next verify-triggers run removes them): vrss_verify_1',
    ])
  })
})

const result: StatusResult = {
  exitCode: 0,
  target: { url: 'postgres://app:****@db/vrss', source: 'DATABASE_URL', embedded: false },
  server: {
    version: '16.4',
    versionNum: 160004,
    database: 'vrss',
    user: 'app',
    schema: 'public',
    searchPath: '"$user", public',
  },
  databaseBytes: 8 * 1024 * 1024,
  replicas: { visible: true, count: 0, list: [] },
  phases: [
    {
      version: 1,
      name: 'foundation',
      state: 'applied',
      appliedAt: '2026-01-02T03:04:05.678Z',
      executionMs: 120,
      appliedBy: 'app',
    },
    { version: 2, name: 'content_social', state: 'pending' },
  ],
  problems: noProblems,
  tables: [
    { name: 'users', present: true, rows: 1234, rowsExact: true, totalBytes: 16384 },
    { name: 'posts', present: true, rows: 250000, rowsExact: false, totalBytes: 1024 },
    { name: 'comments', present: false, rows: null, rowsExact: false, totalBytes: null },
  ],
  tablesPresent: 2,
  tablesExpected: 3,
  leftovers: [],
  otherInvalidIndexes: ['idx_theirs'],
  indexBuilds: [],
  findings: ['pending phases: 2 content_social'],
}

describe('renderStatus', () => {
  const lines = renderStatus(result, plain).split('\n')

  it('starts with the target, the server and the database, then a blank line', () => {
    expect(lines[0]).toBe('Target    postgres://app:****@db/vrss  (DATABASE_URL)')
    expect(lines[1]).toBe('Server    PostgreSQL 16.4')
    expect(lines[2]).toMatch(/^Database {2}vrss as app, schema public, /)
    expect(lines[3]).toBe('')
  })

  it('shows each phase with when, how long and by whom', () => {
    const phase = lines.find((l) => l.includes('001 foundation'))
    expect(phase).toContain('applied')
    expect(phase).toContain('2026-01-02 03:04:05Z')
    expect(phase).toContain('│ app')
  })

  it('lists the findings and the INVALID indexes that are not VRSS', () => {
    expect(lines).toContain('! pending phases: 2 content_social')
    expect(lines).toContain("note: INVALID indexes that are not VRSS's (left alone): idx_theirs")
    expect(lines.join('\n')).not.toContain('Nothing is migrated yet')
  })

  it('counts the present tables, marks estimates with ~ and explains it', () => {
    expect(lines).toContain('Tables    2 of 3 VRSS tables present')
    expect(lines.find((l) => l.includes('│ posts'))).toContain('~250,000')
    expect(lines.find((l) => l.includes('│ users'))).toContain('1,234')
    expect(lines.some((l) => l.includes('│ comments'))).toBe(false)
    expect(lines.at(-1)).toBe(
      "~ the planner's estimate (tables of 100,000 rows or more); other counts are exact",
    )
  })

  it('says what to run when nothing is migrated', () => {
    const empty = renderStatus(
      {
        ...result,
        phases: [{ version: 1, name: 'foundation', state: 'pending' }],
        tables: [],
        tablesPresent: 0,
        otherInvalidIndexes: [],
      },
      plain,
    ).split('\n')
    expect(empty).toContain(
      'Nothing is migrated yet: run `vrss-db migrate`, then `vrss-db seed` for development data.',
    )
    expect(empty.at(-1)).toBe('Tables    0 of 3 VRSS tables present')
  })

  it('a healthy database says so in one line', () => {
    const healthy = renderStatus({ ...result, findings: [], otherInvalidIndexes: [] }, plain)
    expect(healthy).toContain(
      'Schema: every table, index and trigger of the applied phases is present and valid.',
    )
  })
})

describe('describeReplica', () => {
  it('gives the replay lag and the positions', () => {
    expect(
      describeReplica({
        replayLagSeconds: 0.4,
        receiveLsn: '0/3000148',
        replayLsn: '0/3000148',
        lastReplayAt: '2026-11-26T22:00:00.000Z',
        replayPendingBytes: 0,
      }),
    ).toMatch(
      /^read-only hot standby .*, replay lag .* since the last replayed commit \(received 0\/3000148, replayed 0\/3000148, 0 B received but not replayed, last replayed commit at 2026-11-26T22:00:00.000Z\)$/,
    )
  })

  it('says when nothing is replayed yet', () => {
    expect(
      describeReplica({
        replayLagSeconds: null,
        receiveLsn: null,
        replayLsn: null,
        lastReplayAt: null,
        replayPendingBytes: null,
      }),
    ).toContain('nothing replayed yet (received -, replayed -)')
  })
})

describe('describeReplicas', () => {
  const link = {
    applicationName: 'standby_a',
    clientAddr: '10.0.0.7',
    state: 'streaming',
    syncState: 'async',
    writeLagSeconds: 0.0004,
    flushLagSeconds: 0.0009,
    replayLagSeconds: 0.0012,
    replayLsn: '0/3000148',
    bytesBehind: 2048,
  }

  it('one line per standby: name, address, state, sync state, lags and bytes behind', () => {
    expect(describeReplicas({ visible: true, count: 1, list: [link] })).toEqual([
      'standby_a (10.0.0.7) streaming, async: replay lag 1.2 ms, 2.0 kB behind (write 0.40 ms, flush 0.90 ms)',
    ])
  })

  it('null lags (caught up, primary idle) show as "-"; nothing at all without standbys', () => {
    const idle = { ...link, writeLagSeconds: null, flushLagSeconds: null, replayLagSeconds: null }
    expect(describeReplicas({ visible: true, count: 1, list: [idle] })[0]).toContain(
      'replay lag -, 2.0 kB behind (write -, flush -)',
    )
    expect(describeReplicas({ visible: true, count: 0, list: [] })).toEqual([])
  })

  it('says in one line when the role cannot see them, instead of showing nulls', () => {
    const lines = describeReplicas({ visible: false, count: 2, list: [] })
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('2 connected, but this role cannot see their state or lag')
    expect(lines[0]).toContain('pg_monitor')
  })
})
