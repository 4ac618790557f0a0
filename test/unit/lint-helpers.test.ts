// The pure helpers under the lint and the lock trace: type coercion, lock modes, statement
// text, fingerprints, rendering.
import { describe, expect, it } from 'vitest'
import { fingerprintOf } from '../../src/lib/migrate/lint/baseline.js'
import { isBinaryCoercible } from '../../src/lib/migrate/lint/coercion.js'
import type { LintResult } from '../../src/lib/migrate/lint/lint.js'
import { lintMarkdown, lintSummary } from '../../src/lib/migrate/lint/render.js'
import { typeIn } from '../../src/lib/migrate/lint/schema-state.js'
import {
  identifier,
  parseAlterTable,
  splitTopLevel,
  stripComments,
} from '../../src/lib/migrate/lint/sql-text.js'
import { lintStatements } from '../../src/lib/migrate/lint/statements.js'
import { blockedBy, blocksApplication, lockModeOf } from '../../src/lib/migrate/lock-modes.js'
import { describeLocks, rewrittenBetween } from '../../src/lib/migrate/trace.js'
import { heldText, traceMarkdown, traceRows } from '../../src/lib/migrate/trace-render.js'

describe('isBinaryCoercible', () => {
  it.each([
    ['varchar(20)', 'varchar(40)', true],
    ['character varying(20)', 'varchar', true],
    ['varchar(20)', 'text', true],
    ['text', 'varchar', true],
    ['numeric(10,2)', 'numeric(12,2)', true],
    ['numeric(10,2)', 'numeric', true],
    ['cidr', 'inet', true],
    ['timestamp(3) with time zone', 'timestamptz(6)', true],
    ['varchar(40)', 'varchar(20)', false],
    ['text', 'varchar(20)', false],
    ['numeric(10,2)', 'numeric(12,3)', false],
    ['integer', 'bigint', false],
    ['timestamp', 'timestamptz', false],
    ['varchar(20)', '"UserStatus"', false],
  ])('%s → %s: %s', (from, to, expected) => {
    expect(isBinaryCoercible(from, to)).toBe(expected)
  })
})

describe('lock modes', () => {
  it('reads pg_locks mode names and says what each blocks', () => {
    expect(lockModeOf('AccessExclusiveLock')).toBe('ACCESS EXCLUSIVE')
    expect(lockModeOf('ShareUpdateExclusiveLock')).toBe('SHARE UPDATE EXCLUSIVE')
    expect(lockModeOf('SIReadLock')).toBeUndefined()
    expect(blockedBy('ACCESS EXCLUSIVE')).toMatch(/SELECT/)
    expect(blockedBy('SHARE')).toMatch(/INSERT, UPDATE and DELETE wait \(reads go on\)/)
    expect(blocksApplication('SHARE UPDATE EXCLUSIVE')).toBe(false)
    expect(blocksApplication('SHARE')).toBe(true)
  })
})

describe('statement text', () => {
  it('reads names, lists, ALTER TABLE actions and column types', () => {
    expect(identifier('public."contentType"')).toBe('contentType')
    expect(identifier('Posts')).toBe('posts')
    expect(splitTopLevel("a int, b numeric(10, 2), c text default 'x,y'")).toEqual([
      'a int',
      'b numeric(10, 2)',
      "c text default 'x,y'",
    ])
    expect(parseAlterTable('alter table only posts add column a int, drop column b')).toEqual({
      table: 'posts',
      actions: ['add column a int', 'drop column b'],
    })
    expect(typeIn("varchar(20) not null default 'x'")).toBe('varchar(20)')
    expect(typeIn('"UserStatus" not null')).toBe('"UserStatus"')
    expect(stripComments("select '--no' -- yes\n/* x */ from t")).toBe("select '--no' \n  from t")
  })

  it('fingerprints ignore comments, case and spacing', () => {
    expect(fingerprintOf('CREATE INDEX i\n  ON posts (a) -- why')).toBe(
      fingerprintOf('create index i on posts (a)'),
    )
    expect(fingerprintOf('create index i on posts (a)')).not.toBe(
      fingerprintOf('create index i on posts (b)'),
    )
  })

  it('collects lint-ignore comments right above a statement only', () => {
    const [first, second] = lintStatements(
      '-- vrss-db:lint-ignore type-rewrite tiny table\n-- more words\nselect 1;\nselect 2;',
    )
    expect(first?.ignores).toEqual([{ rule: 'type-rewrite', reason: 'tiny table' }])
    expect(second?.ignores).toEqual([])
  })
})

describe('lint rendering', () => {
  const result: LintResult = {
    files: ['008_new.sql'],
    findings: [
      {
        rule: 'index-not-concurrent',
        severity: 'error',
        table: 'posts',
        why: 'SHARE on posts | writes wait',
        fix: 'concurrently',
        file: '008_new.sql',
        line: 3,
        statement: 'create index i on posts (a)',
        fingerprint: 'abc',
      },
    ],
    accepted: [],
    staleBaseline: [],
    errors: 1,
    warnings: 0,
    exitCode: 3,
  }

  it('sums up and writes a Markdown table with pipes escaped', () => {
    expect(lintSummary(result)).toBe('Linted 1 phase file: 1 error, 0 warnings.')
    const md = lintMarkdown(result)
    expect(md).toContain('| ❌ error | `index-not-concurrent` | `008_new.sql:3` |')
    expect(md).toContain('SHARE on posts \\| writes wait')
  })
})

describe('trace helpers', () => {
  const known = [
    { oid: 1, name: 'users', kind: 'r', filenode: 10 },
    { oid: 2, name: 'posts', kind: 'r', filenode: 20 },
    { oid: 3, name: 'posts_pkey', kind: 'i', filenode: 30 },
  ]

  it('groups locks by relation, keeps the strongest, and marks relations of this phase', () => {
    const locks = describeLocks(
      [
        { oid: 2, mode: 'AccessExclusiveLock' },
        { oid: 3, mode: 'AccessExclusiveLock' },
        { oid: 1, mode: 'AccessShareLock' },
        { oid: 1, mode: 'ShareRowExclusiveLock' },
        { oid: 99, mode: 'AccessShareLock' },
      ],
      known,
      new Set([1]),
    )
    expect(locks.map((l) => [l.relation, l.kind, l.mode, l.created])).toEqual([
      ['posts', 'table', 'ACCESS EXCLUSIVE', true],
      ['posts_pkey', 'index', 'ACCESS EXCLUSIVE', true],
      ['users', 'table', 'SHARE ROW EXCLUSIVE', false],
    ])
    expect(locks[0]?.blocks).toMatch(/nothing: created in this phase/)
  })

  it('finds rewritten relations by their relfilenode', () => {
    const after = known.map((r) => (r.oid === 3 ? { ...r, filenode: 31 } : r))
    expect(
      rewrittenBetween(known, [...after, { oid: 4, name: 'new', kind: 'r', filenode: 40 }]).map(
        (r) => r.name,
      ),
    ).toEqual(['posts_pkey'])
  })

  it('renders one row per lock and the locks held until COMMIT', () => {
    const users = describeLocks([{ oid: 1, mode: 'AccessExclusiveLock' }], known, new Set([1]))
    const statements = [
      {
        line: 4,
        statement: 'alter table users',
        ms: 1.25,
        locks: users,
        rewritten: ['users'],
        sampled: false,
      },
      {
        line: 9,
        statement: 'comment on table users',
        ms: 0.5,
        locks: [],
        rewritten: [],
        sampled: false,
      },
    ]
    expect(traceRows(statements)).toEqual([
      [
        '4',
        'alter table users',
        '1.3',
        'ACCESS EXCLUSIVE',
        'reads and writes',
        'users [rewritten]',
      ],
      ['9', 'comment on table users', '0.5', '-', '-', '-'],
    ])
    expect(traceRows(statements, 'full')[0]?.[4]).toBe('every read (SELECT) and write waits')
    const phase = {
      version: 6,
      file: '006_x.sql',
      transactional: true,
      statements,
      heldUntilCommit: users,
    }
    expect(heldText(phase)).toBe('Held until COMMIT: ACCESS EXCLUSIVE on users.')
    const md = traceMarkdown({ target: 't', nothingPending: false, phases: [phase] })
    expect(md).toContain(
      '| 4 | `alter table users` | 1.3 | ACCESS EXCLUSIVE | every read (SELECT) and write waits | users [rewritten] |',
    )
  })
})
