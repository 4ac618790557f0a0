// The pgbench-script subset the built-in driver reads: \set random, :variables as bind
// parameters (not casts), \gset, and every shipped bench script parses.
import { describe, expect, it } from 'vitest'
import { parseBenchOptions } from '../../src/lib/bench/options.js'
import { applySet, loadScript, paramsOf, parseScript } from '../../src/lib/bench/script.js'
import { WORKLOADS } from '../../src/lib/bench/workloads.js'
import { Random } from '../../src/lib/random.js'

describe('bench scripts', () => {
  it('turns :variables into bind parameters, leaving ::casts alone', () => {
    const [step] = parseScript('select :a::bigint, :b, :a where :b <> 1;')
    expect(step).toEqual({
      kind: 'sql',
      text: 'select $1::bigint, $2, $1 where $2 <> 1',
      params: ['a', 'b'],
      gset: false,
    })
  })

  it('reads \\set random with variable bounds and commands ending in \\gset', () => {
    const steps = parseScript(
      '-- comment\n\\set u random(1, :users)\ninsert into t (x)\n values (:u) returning id as c \\gset\n',
    )
    expect(steps.map((s) => s.kind)).toEqual(['set', 'sql'])
    const variables = new Map([['users', 3]])
    const random = new Random(1)
    for (let i = 0; i < 50; i++) {
      applySet(steps[0] as never, variables, random)
      expect(variables.get('u')).toBeGreaterThanOrEqual(1)
      expect(variables.get('u')).toBeLessThanOrEqual(3)
    }
    const sql = steps[1] as Extract<(typeof steps)[number], { kind: 'sql' }>
    expect(sql.gset).toBe(true)
    expect(sql.text).toBe('insert into t (x) values ($1) returning id as c')
    expect(paramsOf(sql, variables)).toEqual([variables.get('u')])
  })

  it('refuses what it cannot run rather than guessing', () => {
    expect(() => parseScript('\\sleep 10 ms')).toThrow(/unsupported meta-command/)
    expect(() => parseScript('select 1')).toThrow(/unterminated/)
  })

  it('parses every script of every workload', () => {
    for (const w of WORKLOADS)
      for (const s of w.scripts) expect(loadScript(s.file).length).toBeGreaterThan(1)
  })

  it('checks the flags', () => {
    expect(() => parseBenchOptions({}, ['nope'])).toThrow(/Unknown workload "nope"/)
    expect(() => parseBenchOptions({ driver: 'x' }, [])).toThrow(/--driver/)
    expect(() => parseBenchOptions({ duration: '500ms' }, [])).toThrow(/at least 1s/)
    const o = parseBenchOptions({ clients: '8', duration: '5s' }, ['likes-hot'])
    expect(o).toMatchObject({
      clients: 8,
      durationMs: 5000,
      workloads: [{ name: 'likes-hot', clients: 8 }],
    })
    const each = parseBenchOptions({}, ['likes-spread@4', 'likes-hot@8', 'comments'])
    expect(each.workloads).toEqual([
      { name: 'likes-spread', clients: 4 },
      { name: 'likes-hot', clients: 8 },
      { name: 'comments', clients: 4 },
    ])
    expect(() => parseBenchOptions({}, ['likes-hot@0'])).toThrow(/likes-hot@/)
  })
})
