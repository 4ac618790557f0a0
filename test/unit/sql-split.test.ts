import { describe, expect, it } from 'vitest'
import { splitStatements } from '../../src/lib/db/sql-split.js'
import { checksumOf, loadMigrations, normaliseSql } from '../../src/lib/migrate/files.js'

describe('splitStatements', () => {
  it("splits on semicolons and records each statement's first line", () => {
    const parts = splitStatements('select 1;\n\n  select 2;\nselect 3')
    expect(parts).toEqual([
      { sql: 'select 1', line: 1 },
      { sql: 'select 2', line: 3 },
      { sql: 'select 3', line: 4 },
    ])
  })

  it('keeps semicolons inside strings, identifiers, comments and dollar quotes', () => {
    const text = [
      "select 'a;b', \"we;ird\", E'it\\'s;' ; -- trailing; comment",
      '/* block; /* nested; */ still; */ select 2;',
      'create function f() returns int language sql as $body$ select 1; select 2; $body$;',
      'do $$ begin perform 1; end $$;',
    ].join('\n')
    const parts = splitStatements(text)
    expect(parts.map((p) => p.line)).toEqual([1, 2, 3, 4])
    expect(parts[2]?.sql).toContain('select 1; select 2;')
    expect(parts).toHaveLength(4)
  })

  it('ignores comment-only and blank chunks', () => {
    expect(splitStatements('-- only a comment\n;\n  ;')).toEqual([])
  })

  it('does not take $1 parameters for dollar quotes', () => {
    expect(splitStatements('select $1; select $2')).toHaveLength(2)
  })

  it('splits every embedded phase into many statements, none empty', () => {
    for (const migration of loadMigrations()) {
      const statements = splitStatements(migration.up)
      expect(statements.length).toBeGreaterThanOrEqual(4)
      for (const s of statements) expect(s.sql.trim()).not.toBe('')
    }
  })
})

describe('checksums', () => {
  it('ignore a BOM and CRLF line endings', () => {
    expect(checksumOf('\uFEFFcreate table a();\r\nselect 1;\r\n')).toBe(
      checksumOf('create table a();\nselect 1;\n'),
    )
    expect(normaliseSql('\uFEFFa\r\nb')).toBe('a\nb')
  })

  it('change with any real edit', () => {
    expect(checksumOf('select 1')).not.toBe(checksumOf('select 2'))
  })

  it('are SHA-256 hex', () => {
    expect(checksumOf('x')).toMatch(/^[0-9a-f]{64}$/)
  })
})

describe('the embedded phases', () => {
  it('are 001 … 010, each with a down script; 005 and 009 (CREATE INDEX CONCURRENTLY) and 007 (a batched backfill) run outside a transaction', () => {
    const migrations = loadMigrations()
    expect(migrations.map((m) => `${m.version}:${m.name}`)).toEqual([
      '1:foundation',
      '2:content_social',
      '3:features',
      '4:communication',
      '5:feed',
      '6:api_compat',
      '7:posts_visibility',
      '8:counters',
      '9:feed_walk',
      '10:feed_timeline',
    ])
    expect(migrations.map((m) => m.transactional)).toEqual([
      true,
      true,
      true,
      true,
      false,
      true,
      false,
      true,
      false,
      true,
    ])
    for (const m of migrations) expect(m.down).toMatch(/drop (table|function|index)|alter column/i)
  })
})
