import { describe, expect, it } from 'vitest'
import { parseDuration, parseInteger } from '../../src/lib/parse.js'
import { colourWanted } from '../../src/lib/ui/output.js'

describe('parseInteger', () => {
  it('accepts whole numbers in range', () => {
    expect(parseInteger('--phase', '2', { min: 1, max: 4 })).toBe(2)
  })
  it.each(['two', '2.5', '', '0x10', '1e3'])('rejects %j with exit 2', (value) => {
    expect(() => parseInteger('--phase', value, { min: 1, max: 4 })).toThrow(
      /--phase must be a whole number/,
    )
  })
  it('rejects out of range values, naming the range', () => {
    expect(() => parseInteger('--phase', '5', { min: 1, max: 4 })).toThrow('from 1 to 4, got 5')
    expect(() => parseInteger('--users', '-3', { min: 1 })).toThrow('at least 1, got -3')
  })
})

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['5s', 5000],
    ['2m', 120000],
    ['1h', 3_600_000],
    ['0.5s', 500],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration('--lock-timeout', text)).toBe(ms)
  })
  it.each(['300', '1500', '0.5'])('a bare number %j needs a unit (it was read as ms)', (text) => {
    expect(() => parseDuration('--lock-wait', text)).toThrow(/--lock-wait needs a unit/)
  })
  it.each(['0', '0s', '0ms'])('%j is refused where 0 would disable the protection', (text) => {
    expect(() => parseDuration('--lock-timeout', text)).toThrow(
      '--lock-timeout 0 disables the protection; use a positive duration',
    )
  })
  it('0 is accepted where the flag documents what it means', () => {
    expect(parseDuration('--lock-wait', '0', { zeroMeans: 'try once' })).toBe(0)
  })
  it('rejects nonsense', () => {
    expect(() => parseDuration('--lock-timeout', 'soon')).toThrow(/duration/)
  })
})

describe('colourWanted', () => {
  const tty = { isTTY: true } as NodeJS.WriteStream
  const pipe = { isTTY: false } as NodeJS.WriteStream
  it('is on for a terminal', () => expect(colourWanted(true, {}, tty)).toBe(true))
  it('is off for a pipe', () => expect(colourWanted(true, {}, pipe)).toBe(false))
  it('is off with NO_COLOR, even on a terminal', () =>
    expect(colourWanted(true, { NO_COLOR: '1' }, tty)).toBe(false))
  it('is off with --no-color', () => expect(colourWanted(false, {}, tty)).toBe(false))
  it('FORCE_COLOR turns it on for a pipe', () =>
    expect(colourWanted(true, { FORCE_COLOR: '1' }, pipe)).toBe(true))
})
