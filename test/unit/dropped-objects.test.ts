import { describe, expect, it } from 'vitest'
import { droppedObjects, loadMigrations, type Migration } from '../../src/lib/migrate/files.js'
import {
  describePlan,
  tablesDroppedBy,
  tablesLosingRows,
} from '../../src/lib/migrate/rollback-plan.js'

const phase = (version: number, name: string, down: string): Migration => ({
  version,
  name,
  file: `${String(version).padStart(3, '0')}_${name}.sql`,
  up: '',
  down,
  checksum: '',
  transactional: true,
})

describe('what a down script drops', () => {
  it('reads tables, functions with their signatures, types and indexes', () => {
    const down = phase(
      2,
      'x',
      `-- comment; drop table nope;
       drop table if exists b, a cascade;
       drop function if exists f(bigint, text), g();
       drop index concurrently if exists idx_a;
       drop trigger t on a;
       drop type if exists kind;`,
    )
    expect(droppedObjects(down)).toEqual([
      { kind: 'table', name: 'b' },
      { kind: 'table', name: 'a' },
      { kind: 'function', name: 'f(bigint, text)' },
      { kind: 'function', name: 'g()' },
      { kind: 'index', name: 'idx_a' },
      { kind: 'trigger', name: 't' },
      { kind: 'type', name: 'kind' },
    ])
    expect(tablesDroppedBy(down)).toEqual(['b', 'a'])
  })

  it('the shipped phase 005 drops no table; 001–004 drop their tables', () => {
    const migrations = loadMigrations()
    expect(tablesDroppedBy(migrations[4] as Migration)).toEqual([])
    for (const m of migrations.slice(0, 4)) expect(tablesDroppedBy(m).length).toBeGreaterThan(0)
    const text = describePlan([migrations[4], migrations[3]] as Migration[])
    expect(text).toMatch(/^roll back 005_feed \(drops function vrss_feed\([^)]*\); indexes /)
    expect(text).toContain(', then 004_communication (drops tables ')
  })

  it('a table whose rows the down script keeps (vrss-db:rows-kept) needs no --force', () => {
    const down = phase(
      9,
      'x',
      `-- vrss-db:rows-kept deltas folded into posts
       update posts set n = n + 1;
       drop table deltas;
       drop table lost;`,
    )
    expect(tablesDroppedBy(down)).toEqual(['deltas', 'lost'])
    expect(tablesLosingRows(down)).toEqual(['lost'])
    const counters = loadMigrations().find((m) => m.name === 'counters') as Migration
    expect(tablesDroppedBy(counters)).toEqual(['post_counter_deltas'])
    expect(tablesLosingRows(counters)).toEqual([])
  })
})
