// The readiness check's rules on a small hand-made catalog and plan: no database needed.
import { describe, expect, it } from 'vitest'
import type { CitusPlan, TriggerFunctionPlan } from '../../src/lib/schema/citus.js'
import {
  type Catalog,
  type CatalogColumn,
  checkCitusReadiness,
} from '../../src/lib/schema/citus-check.js'

const column = (table: string, name: string, type = 'bigint', sequence = false): CatalogColumn => ({
  table,
  column: name,
  type,
  sequence,
})

/** accounts by id, notes by account_id (co-located), tags a reference table, rooms apart. */
const plan: CitusPlan = {
  tables: {
    accounts: {
      placement: { kind: 'distributed', column: 'id', group: 'account' },
      why: 'the unit',
      fixes: { accounts_email_key: 'keep emails unique in a reference table' },
    },
    notes: {
      placement: { kind: 'distributed', column: 'account_id', group: 'account' },
      why: 'per account',
    },
    tags: { placement: { kind: 'reference' }, why: 'small' },
    rooms: { placement: { kind: 'distributed', column: 'id', group: 'room' }, why: 'apart' },
  },
  triggerFunctions: {
    touch_row: { effect: 'setting', reason: 'its own row', fix: 'keep it' },
  } satisfies Record<string, TriggerFunctionPlan>,
  required: ['accounts', 'notes', 'tags', 'rooms', 'audits'],
}

function catalog(extra: Partial<Catalog> = {}): Catalog {
  return {
    columns: [
      column('accounts', 'id', 'bigint', true),
      column('accounts', 'email', 'text'),
      column('notes', 'id', 'bigint', true),
      column('notes', 'account_id'),
      column('notes', 'tag_id'),
      column('notes', 'room_id'),
      column('tags', 'id', 'integer', true),
      column('rooms', 'id', 'bigint', true),
      column('scratch', 'id', 'integer', true),
    ],
    keys: [
      { kind: 'primary key', name: 'accounts_pkey', table: 'accounts', columns: ['id'] },
      { kind: 'primary key', name: 'tags_pkey', table: 'tags', columns: ['id'] },
      { kind: 'unique constraint', name: 'tags_name_key', table: 'tags', columns: ['name'] },
    ],
    foreignKeys: [],
    triggers: [],
    functions: [],
    ...extra,
  }
}

const names = (report: ReturnType<typeof checkCitusReadiness>) =>
  report.items.map((i) => `${i.effect} ${i.kind} ${i.name}`)

describe('checkCitusReadiness', () => {
  it('passes keys that contain the distribution column, and any key of a reference table', () => {
    expect(checkCitusReadiness(catalog(), plan).items).toEqual([])
  })

  it('reports a unique key without the distribution column, with the fix the plan names', () => {
    const report = checkCitusReadiness(
      catalog({
        keys: [
          {
            kind: 'unique constraint',
            name: 'accounts_email_key',
            table: 'accounts',
            columns: ['email'],
          },
          { kind: 'primary key', name: 'notes_pkey', table: 'notes', columns: ['id'] },
        ],
      }),
      plan,
    )
    expect(report.items).toEqual([
      {
        table: 'accounts',
        kind: 'unique constraint',
        name: 'accounts_email_key',
        effect: 'blocks',
        reason:
          'unique constraint accounts_email_key on accounts(email) does not contain the distribution column id',
        fix: 'keep emails unique in a reference table',
      },
      expect.objectContaining({
        name: 'notes_pkey',
        effect: 'blocks',
        fix: expect.stringContaining('make it primary key (account_id, id)'),
      }),
    ])
  })

  it('reports a foreign key between tables that are not co-located', () => {
    const report = checkCitusReadiness(
      catalog({
        foreignKeys: [
          {
            name: 'notes_room_id_fkey',
            table: 'notes',
            columns: ['room_id'],
            references: 'rooms',
            referencedColumns: ['id'],
          },
        ],
      }),
      plan,
    )
    expect(names(report)).toEqual(['blocks foreign key notes_room_id_fkey'])
    expect(report.items[0]?.reason).toContain('not co-located (account and room groups)')
  })

  it('reports a foreign key between co-located tables that does not join the distribution columns', () => {
    const report = checkCitusReadiness(
      catalog({
        foreignKeys: [
          {
            name: 'notes_id_fkey',
            table: 'notes',
            columns: ['id'],
            references: 'accounts',
            referencedColumns: ['id'],
          },
        ],
      }),
      plan,
    )
    expect(names(report)).toEqual(['blocks foreign key notes_id_fkey'])
  })

  it('keeps a foreign key to a reference table, and one joining the distribution columns', () => {
    const report = checkCitusReadiness(
      catalog({
        foreignKeys: [
          {
            name: 'notes_tag_id_fkey',
            table: 'notes',
            columns: ['tag_id'],
            references: 'tags',
            referencedColumns: ['id'],
          },
          {
            name: 'notes_account_id_fkey',
            table: 'notes',
            columns: ['account_id'],
            references: 'accounts',
            referencedColumns: ['id'],
          },
        ],
      }),
      plan,
    )
    expect(report.items).toEqual([])
  })

  it('reports a reference table pointing at a distributed table', () => {
    const report = checkCitusReadiness(
      catalog({
        foreignKeys: [
          {
            name: 'tags_account_fkey',
            table: 'tags',
            columns: ['account_id'],
            references: 'accounts',
            referencedColumns: ['id'],
          },
        ],
      }),
      plan,
    )
    expect(report.items[0]?.reason).toContain(
      'a reference table cannot point at a distributed table',
    )
  })

  it('reports a trigger on a distributed table, with what its function touches', () => {
    const report = checkCitusReadiness(
      catalog({
        triggers: [
          { name: 'accounts_touch', table: 'accounts', function: 'touch_row', rowLevel: true },
          { name: 'notes_count', table: 'notes', function: 'count_notes', rowLevel: true },
          { name: 'notes_rooms', table: 'notes', function: 'bump_room', rowLevel: true },
        ],
        functions: [
          { name: 'touch_row', source: 'begin new.updated_at := now(); return new; end' },
          { name: 'count_notes', source: 'begin perform add_one(new.account_id); end' },
          { name: 'add_one', source: 'update accounts set n = n + 1 where id = $1' },
          {
            name: 'bump_room',
            source:
              'perform pg_advisory_xact_lock(1); update rooms set n = n + 1 where id = new.room_id',
          },
        ],
      }),
      plan,
    )
    expect(names(report)).toEqual([
      'setting trigger accounts_touch',
      'rewrite trigger notes_count',
      'breaks trigger notes_rooms',
    ])
    const [touch, count, rooms] = report.items
    expect(touch?.reason).toContain('created only with citus.enable_unsafe_triggers')
    // Found through the function it calls.
    expect(count?.reason).toContain('it touches accounts (distributed by id)')
    expect(rooms?.reason).toContain('rooms is on other shards')
    expect(rooms?.reason).toContain('advisory lock is per node')
  })

  it('believes the catalog over the plan when a planned function now reaches another shard', () => {
    const report = checkCitusReadiness(
      catalog({
        triggers: [
          { name: 'accounts_touch', table: 'accounts', function: 'touch_row', rowLevel: true },
        ],
        functions: [{ name: 'touch_row', source: 'begin update rooms set n = 0; return new; end' }],
      }),
      plan,
    )
    expect(names(report)).toEqual(['breaks trigger accounts_touch'])
  })

  it('reports a statement-level trigger: it would fire once per shard', () => {
    const report = checkCitusReadiness(
      catalog({
        triggers: [{ name: 'tags_log', table: 'tags', function: 'touch_row', rowLevel: false }],
        functions: [{ name: 'touch_row', source: 'begin return null; end' }],
      }),
      plan,
    )
    expect(names(report)).toEqual(['breaks trigger tags_log'])
  })

  it('reports a missing distribution column and a non-bigint sequence on a distributed table', () => {
    const report = checkCitusReadiness(
      {
        ...catalog(),
        columns: [column('accounts', 'id', 'integer', true), column('notes', 'id', 'bigint', true)],
      },
      plan,
    )
    expect(names(report)).toEqual(['blocks column id', 'blocks column account_id'])
  })

  it('reports a required table missing from the plan and ignores tables that are not VRSS', () => {
    const report = checkCitusReadiness(
      { ...catalog(), columns: [...catalog().columns, column('audits', 'id')] },
      plan,
    )
    expect(names(report)).toEqual(['blocks table audits'])
    expect(report.tablesChecked).toBe(4)
  })
})
