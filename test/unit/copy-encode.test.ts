// COPY text format of generated rows: a wrong escape here corrupts data or breaks the load.
import { describe, expect, it } from 'vitest'
import { encode, encodeRow } from '../../src/lib/seed/copy.js'
import { Json, PgArray } from '../../src/lib/seed/dataset.js'

describe('COPY encode', () => {
  it('writes NULL as \\N (null and undefined)', () => {
    expect(encode(null)).toBe('\\N')
    expect(encode(undefined as unknown as null)).toBe('\\N')
  })

  it('keeps plain text, numbers and booleans as they are', () => {
    expect(encode('hello world, "quoted" é')).toBe('hello world, "quoted" é')
    expect(encode('')).toBe('')
    expect(encode(42)).toBe('42')
    expect(encode(-1.5)).toBe('-1.5')
    expect(encode(0)).toBe('0')
    expect(encode(true)).toBe('t')
    expect(encode(false)).toBe('f')
  })

  it('escapes backslashes, tabs, newlines and carriage returns', () => {
    expect(encode('a\\b')).toBe('a\\\\b')
    expect(encode('a\tb')).toBe('a\\tb')
    expect(encode('line 1\nline 2')).toBe('line 1\\nline 2')
    expect(encode('a\r\nb')).toBe('a\\r\\nb')
    expect(encode('\\N')).toBe('\\\\N') // the text "\N", not NULL
  })

  it('writes dates as ISO timestamps', () => {
    expect(encode(new Date('2026-01-01T12:34:56.789Z'))).toBe('2026-01-01T12:34:56.789Z')
  })

  it('writes a PgArray as a PostgreSQL array literal', () => {
    expect(encode(new PgArray([1, 2, 30]))).toBe('{1,2,30}')
    expect(encode(new PgArray([]))).toBe('{}')
  })

  it('writes objects and Json values as JSON, escaped for COPY', () => {
    expect(encode({ a: 1, b: [true, null] })).toBe('{"a":1,"b":[true,null]}')
    expect(encode([1, 'x'])).toBe('[1,"x"]')
    expect(encode(new Json('text_long'))).toBe('"text_long"')
    // JSON.stringify makes "\n" into the two characters \ n; COPY needs the backslash doubled.
    expect(encode({ text: 'a\nb\\c' })).toBe('{"text":"a\\\\nb\\\\\\\\c"}')
    expect(encode(new Json(['tab\there']))).toBe('["tab\\\\there"]')
  })
})

describe('COPY encodeRow', () => {
  it('joins the columns with tabs and ends the line', () => {
    expect(encodeRow([1, 'alice', null, true])).toBe('1\talice\t\\N\tt\n')
  })

  it('keeps a value with a tab or newline inside one column', () => {
    expect(encodeRow(['a\tb', 'c\nd'])).toBe('a\\tb\tc\\nd\n')
  })

  it('an empty row is an empty line', () => {
    expect(encodeRow([])).toBe('\n')
  })
})
