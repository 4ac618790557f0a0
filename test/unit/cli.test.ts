import { describe, expect, it } from 'vitest'
import { requestedCommand } from '../../src/cli.js'

describe('requestedCommand: only the command being run is loaded', () => {
  it.each([
    [['status'], 'status'],
    [['--json', 'seed', '--users', '20'], 'seed'],
    [['--database-url', 'postgres://h/db', 'reconcile'], 'reconcile'],
    [['help', 'explain'], 'explain'],
    [['--help'], undefined],
    [[], undefined],
  ])('%j → %s', (args, expected) => {
    expect(requestedCommand(args)).toBe(expected)
  })
})
