import { describe, expect, it } from 'vitest'
import { Output } from '../../src/lib/ui/output.js'
import { renderTable, wrap } from '../../src/lib/ui/render.js'

const plain = new Output({ json: false, color: false, debug: false, env: {} })

describe('renderTable', () => {
  it('draws a line under the header and none between rows', () => {
    const text = renderTable(
      ['name', 'rows'],
      [
        ['users', '20'],
        ['posts', '100'],
      ],
      plain,
    )
    expect(text.split('\n')).toEqual([
      '┌───────┬──────┐',
      '│ name  │ rows │',
      '├───────┼──────┤',
      '│ users │ 20   │',
      '│ posts │ 100  │',
      '└───────┴──────┘',
    ])
  })

  it('wraps the last column so the table fits 120 columns off a terminal', () => {
    const long = Array.from({ length: 40 }, (_, i) => `idx_${i}`).join(', ')
    const text = renderTable(['query', 'plan'], [['feed', long]], plain)
    const lines = text.split('\n')
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(120)
    expect(lines.length).toBeGreaterThan(5)
    // Every word is still there, in order.
    const cells = lines
      .slice(3, -1)
      .map((l) => l.split('│')[2]?.trim())
      .join(' ')
    expect(cells).toBe(long)
  })

  it('wrap breaks at spaces, and hard when a word is longer than the line', () => {
    expect(wrap('aaa bbb ccc', 7)).toEqual(['aaa bbb', 'ccc'])
    expect(wrap('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij'])
    expect(wrap('short', 10)).toEqual(['short'])
  })
})
