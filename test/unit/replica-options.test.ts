// The replica flags: parsed by the same libpq-style parser as --database-url, and refused
// where they make no sense (exit 2).
import { describe, expect, it } from 'vitest'
import { parseReplicaUrl } from '../../src/lib/db/replica.js'
import type { VrssError } from '../../src/lib/errors.js'
import { parseExplainOptions } from '../../src/lib/explain/options.js'
import { replicaMisses, rowDifferences } from '../../src/lib/explain/replica.js'
import { parseReconcileOptions } from '../../src/lib/reconcile/options.js'

describe('the replica flags', () => {
  it('take a URL as --database-url does, the PG* variables filling in what it leaves out', () => {
    const spec = parseReplicaUrl(
      '--read-from',
      'postgres://app@replica.internal/vrss?sslmode=require',
      {
        PGPASSWORD: 'from-env',
        PGPORT: '6543',
      },
    )
    expect(spec).toMatchObject({
      host: 'replica.internal',
      port: 6543,
      user: 'app',
      database: 'vrss',
      password: 'from-env',
      sslmode: 'require',
    })
    expect(() => parseReplicaUrl('--replica', 'postgres://h:99999/db', {})).toThrow(
      /^--replica: Invalid port/,
    )
    try {
      parseReplicaUrl('--read-from', 'postgres://u:se%cret@h/db', {})
      expect.unreachable()
    } catch (err) {
      expect((err as VrssError).exitCode).toBe(2)
      expect((err as VrssError).message).toMatch(/^--read-from: Malformed database URL/)
      expect((err as VrssError).message).not.toContain('se%cret')
    }
    expect(() => parseReplicaUrl('--replica', '  ', {})).toThrow(/--replica needs the URL/)
  })

  it('explain: --replica is parsed; with --allow-writes it is refused', () => {
    const options = parseExplainOptions({ replica: 'postgres://r:5433/vrss' }, ['quota'], {})
    expect(options.replica).toMatchObject({ host: 'r', port: 5433, database: 'vrss' })
    expect(parseExplainOptions({}, ['quota'], {}).replica).toBeUndefined()
    expect(() =>
      parseExplainOptions({ replica: 'postgres://r/vrss', allowWrites: true }, [], {}),
    ).toThrow(/--allow-writes cannot go with --replica/)
  })

  it('reconcile: --read-from with a bounded wait (10s by default, 0 = check once)', () => {
    const options = parseReconcileOptions({ dryRun: true, readFrom: 'postgres://r/vrss' }, {})
    expect(options.readFrom).toMatchObject({ host: 'r', database: 'vrss' })
    expect(options.replicaWaitMs).toBe(10_000)
    expect(
      parseReconcileOptions({ readFrom: 'postgres://r/vrss', replicaWait: '0' }, {}).replicaWaitMs,
    ).toBe(0)
    expect(() => parseReconcileOptions({ replicaWait: '5s' }, {})).toThrow(
      /--replica-wait goes with --read-from/,
    )
    expect(() =>
      parseReconcileOptions({ readFrom: 'postgres://r/vrss', replicaWait: '5' }, {}),
    ).toThrow(/needs a unit/)
  })
})

describe('explain --replica findings', () => {
  const timed = (over: Record<string, unknown>) => ({
    query: 'friends',
    subject: 'most friends 9',
    reference: false,
    targetMs: 10,
    rows: 4,
    ...over,
  })
  const on = (p95: number, rows = 4) => ({
    p50: 1,
    p95,
    max: p95,
    rows,
    pass: p95 <= 10,
    plan: {
      nodeTypes: ['Seq Scan'],
      indexes: [],
      seqScans: ['friendships'],
      estimatedRows: 1,
      actualRows: 1,
      sharedHitBlocks: 0,
      sharedReadBlocks: 0,
      executionMs: 1,
    },
  })

  it("a replica's missed target fails the run; a reference query's does not", () => {
    expect(
      replicaMisses([
        timed({ replica: on(12) }),
        timed({ replica: on(3) }),
        timed({ query: 'feed (plan)', reference: true, replica: on(50) }),
        timed({}),
      ]),
    ).toEqual(['friends (most friends 9) on the replica: p95 12 ms > 10 ms'])
  })

  it('warns when the two servers return different row counts', () => {
    expect(rowDifferences([timed({ replica: on(3, 4) })])).toEqual([])
    expect(rowDifferences([timed({ replica: on(3, 2) })])[0]).toContain(
      '4 rows on the target but 2 on the replica (is it behind?)',
    )
  })
})
