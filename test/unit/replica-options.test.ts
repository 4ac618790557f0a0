// The replica flags: parsed by the same libpq-style parser as --database-url, and refused
// where they make no sense (exit 2).
import { describe, expect, it } from 'vitest'
import { parseReplicaUrl } from '../../src/lib/db/replica.js'
import { parseExplainOptions } from '../../src/lib/explain/options.js'
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
    expect(() => parseReplicaUrl('--replica', 'postgres://h:99999/db', {})).toThrow(/Invalid port/)
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
