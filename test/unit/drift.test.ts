import { describe, expect, it } from 'vitest'
import type { CatalogSnapshot } from '../../src/lib/schema/catalog.js'
import {
  canonicalExpression,
  catalogObjects,
  compareCatalogs,
  differingLine,
} from '../../src/lib/schema/drift.js'

/** A small catalog: one enum, one table with a key, a check, an index and a trigger. */
function catalog(): CatalogSnapshot {
  return {
    enums: [{ name: 'UserStatus', labels: ['active', 'suspended'] }],
    sequences: [
      {
        name: 'users_id_seq',
        type: 'bigint',
        start: '1',
        increment: '1',
        min: '1',
        max: '9223372036854775807',
        cache: '1',
        cycle: false,
        ownedBy: 'users.id',
        identity: true,
      },
    ],
    functions: [
      {
        name: 'touch',
        procedure: false,
        identityArguments: '',
        arguments: '',
        result: 'trigger',
        language: 'plpgsql',
        body: '\nbegin\n  new.updated_at := now();\n  return new;\nend\n',
        volatility: 'volatile',
        strict: false,
        securityDefiner: false,
        leakproof: false,
        parallel: 'unsafe',
        config: [],
        cost: '100',
        rows: null,
      },
    ],
    tables: [
      {
        name: 'users',
        unlogged: false,
        columns: [
          {
            name: 'id',
            type: 'bigint',
            notNull: true,
            default: null,
            generated: null,
            identity: 'by default',
            collation: null,
          },
          {
            name: 'status',
            type: '"UserStatus"',
            notNull: true,
            default: `'active'::"UserStatus"`,
            generated: null,
            identity: null,
            collation: null,
          },
        ],
      },
    ],
    constraints: [
      {
        table: 'users',
        name: 'users_pkey',
        type: 'primary key',
        definition: 'PRIMARY KEY (id)',
        validated: true,
      },
      {
        table: 'users',
        name: 'users_id_check',
        type: 'check',
        definition: 'CHECK ((id > 0))',
        validated: true,
      },
    ],
    indexes: [
      {
        table: 'users',
        name: 'users_pkey',
        definition: 'CREATE UNIQUE INDEX users_pkey ON users USING btree (id)',
        valid: true,
        constraint: true,
      },
      {
        table: 'users',
        name: 'idx_users_status',
        definition: 'CREATE INDEX idx_users_status ON users USING btree (status)',
        valid: true,
        constraint: false,
      },
    ],
    triggers: [
      {
        table: 'users',
        name: 'users_touch',
        definition:
          'CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()',
        enabled: 'enabled',
      },
    ],
    views: [],
  }
}

describe('catalog objects', () => {
  it('lists every object once, by kind then name; constraint indexes through their constraint', () => {
    const names = catalogObjects(catalog()).map((o) => `${o.kind} ${o.name}`)
    expect(names).toEqual([
      'enum UserStatus',
      'sequence users_id_seq',
      'function touch()',
      'table users',
      'column users.id',
      'column users.status',
      'constraint users.users_pkey',
      'constraint users.users_id_check',
      'index idx_users_status',
      'trigger users.users_touch',
    ])
  })
})

describe('compareCatalogs', () => {
  it('finds nothing between equal catalogs', () => {
    expect(compareCatalogs(catalog(), catalog())).toEqual({
      compared: 10,
      differences: [],
      extra: [],
    })
  })

  it('reports an altered column type with its expected and actual type', () => {
    const live = catalog()
    const column = live.tables[0]?.columns[1]
    if (column) column.type = 'character varying(20)'
    expect(compareCatalogs(catalog(), live).differences).toEqual([
      {
        kind: 'column',
        name: 'users.status',
        differs: 'type',
        expected: '"UserStatus"',
        actual: 'character varying(20)',
      },
    ])
  })

  it('reports a dropped CHECK as missing, with the definition it should have', () => {
    const live = catalog()
    live.constraints = live.constraints.filter((k) => k.name !== 'users_id_check')
    expect(compareCatalogs(catalog(), live).differences).toEqual([
      {
        kind: 'constraint',
        name: 'users.users_id_check',
        differs: 'missing',
        expected: 'CHECK ((id > 0))',
        actual: null,
      },
    ])
  })

  it('reports an edited function body and a disabled trigger', () => {
    const live = catalog()
    const fn = live.functions[0]
    if (fn) fn.body = fn.body.replace('now()', 'clock_timestamp()')
    const trigger = live.triggers[0]
    if (trigger) trigger.enabled = 'disabled'
    const found = compareCatalogs(catalog(), live).differences
    expect(found.map((d) => [d.kind, d.name, d.differs, d.actual?.length ? 'set' : ''])).toEqual([
      ['function', 'touch()', 'body', 'set'],
      ['trigger', 'users.users_touch', 'enabled', 'set'],
    ])
    expect(found[1]).toMatchObject({ expected: 'enabled', actual: 'disabled' })
  })

  it('compares NOT VALID apart from the definition', () => {
    const live = catalog()
    const check = live.constraints[1]
    if (check) {
      check.definition = 'CHECK ((id > 0)) NOT VALID'
      check.validated = false
    }
    expect(compareCatalogs(catalog(), live).differences).toEqual([
      {
        kind: 'constraint',
        name: 'users.users_id_check',
        differs: 'validated',
        expected: 'yes',
        actual: 'no',
      },
    ])
  })

  it('a missing table is one difference, not one per column, index and trigger', () => {
    const live = catalog()
    live.tables = []
    live.constraints = []
    live.indexes = []
    live.triggers = []
    live.sequences = []
    const found = compareCatalogs(catalog(), live).differences
    expect(found.map((d) => `${d.kind} ${d.name} ${d.differs}`)).toEqual(['table users missing'])
  })

  it("lists what only the live database has as extra, not as differences (a table's parts with it)", () => {
    const live = catalog()
    live.tables.push({ name: 'notes', unlogged: false, columns: [] })
    live.indexes.push({
      table: 'notes',
      name: 'idx_notes',
      definition: 'CREATE INDEX idx_notes ON notes USING btree (id)',
      valid: false,
      constraint: false,
    })
    live.indexes.push({
      table: 'users',
      name: 'idx_users_extra',
      definition: 'CREATE INDEX idx_users_extra ON users USING btree (id)',
      valid: true,
      constraint: false,
    })
    const result = compareCatalogs(catalog(), live)
    expect(result.differences).toEqual([])
    expect(result.extra).toEqual([
      { kind: 'table', name: 'notes' },
      { kind: 'index', name: 'idx_users_extra' },
    ])
  })

  it('an extra enum label or a reordered one is a difference of the labels', () => {
    const live = catalog()
    const type = live.enums[0]
    if (type) type.labels = ['suspended', 'active']
    expect(compareCatalogs(catalog(), live).differences[0]).toMatchObject({
      kind: 'enum',
      differs: 'labels',
      expected: 'active, suspended',
      actual: 'suspended, active',
    })
  })
})

describe('canonicalExpression', () => {
  it('writes both spellings of a varchar IN list alike', () => {
    const stored =
      "CHECK (((kind)::text = ANY ((ARRAY['a'::character varying, 'b''c'::character varying])::text[])))"
    const reparsed =
      "CHECK (((kind)::text = ANY (ARRAY[('a'::character varying)::text, ('b''c'::character varying)::text])))"
    expect(canonicalExpression(reparsed)).toBe(stored)
    expect(canonicalExpression(stored)).toBe(stored)
  })

  it('leaves lists of mixed types alone', () => {
    const mixed = "x = ANY (ARRAY[('a'::character varying)::text, ('b'::name)::text])"
    expect(canonicalExpression(mixed)).toBe(mixed)
  })
})

describe('differingLine', () => {
  it('keeps one-line values whole', () => {
    expect(differingLine('text', 'integer')).toEqual({ expected: 'text', actual: 'integer' })
    expect(differingLine('x', null)).toEqual({ expected: 'x', actual: null })
  })

  it('gives the first differing line of a body, numbered from 1', () => {
    expect(differingLine('a\nb\nc', 'a\nB\nc')).toEqual({ line: 2, expected: 'b', actual: 'B' })
    expect(differingLine('a\nb', 'a\nb\nc')).toEqual({ line: 3, expected: '(end)', actual: 'c' })
  })
})
