// The seeded PRNG behind every seeded row: the same seed must give the same data on every
// machine and Node version, so its first values are pinned here.
import { describe, expect, it } from 'vitest'
import { Random } from '../../src/lib/random.js'
import { apportion, WeightedPicker } from '../../src/lib/seed/random.js'

const draws = (random: Random, n: number) => Array.from({ length: n }, () => random.next())

describe('Random', () => {
  it('gives the same sequence for the same seed, and these exact first values for 42', () => {
    expect(draws(new Random(42), 100)).toEqual(draws(new Random(42), 100))
    expect(draws(new Random(42), 3)).toEqual([
      0.6642114536371082, 0.9630267398897558, 0.262362563284114,
    ])
  })

  it('gives different sequences for different seeds, 0 and 2^32 - 1 included', () => {
    const seeds = [0, 1, 42, 2 ** 32 - 1]
    const firsts = seeds.map((seed) => new Random(seed).next())
    expect(new Set(firsts).size).toBe(seeds.length)
  })

  it('next() stays in [0, 1)', () => {
    for (const value of draws(new Random(7), 10_000)) {
      expect(value).toBeGreaterThanOrEqual(0)
      expect(value).toBeLessThan(1)
    }
  })

  it('int(min, max) includes both ends and nothing outside', () => {
    const random = new Random(3)
    const seen = new Set<number>()
    for (let i = 0; i < 2000; i++) seen.add(random.int(-2, 3))
    expect([...seen].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2, 3])
    expect(random.int(5, 5)).toBe(5)
  })

  it('chance(0) is never and chance(1) always', () => {
    const random = new Random(11)
    for (let i = 0; i < 500; i++) {
      expect(random.chance(0)).toBe(false)
      expect(random.chance(1)).toBe(true)
    }
  })

  it('pick() returns an item of the list', () => {
    const random = new Random(5)
    const items = ['a', 'b', 'c']
    for (let i = 0; i < 100; i++) expect(items).toContain(random.pick(items))
  })

  it('sample() draws k distinct items, at most all of them, and leaves the input alone', () => {
    const random = new Random(9)
    const items = Array.from({ length: 20 }, (_, i) => i)
    const sample = random.sample(items, 8)
    expect(new Set(sample).size).toBe(8)
    for (const item of sample) expect(items).toContain(item)
    expect(items).toEqual(Array.from({ length: 20 }, (_, i) => i))
    expect(random.sample(items, 50).sort((a, b) => a - b)).toEqual(items)
    expect(random.sample(items, 0)).toEqual([])
  })

  it('fork() gives a child that depends on the label and the parent, and leaves the parent', () => {
    const parent = new Random(42)
    const child = draws(parent.fork('posts'), 5)
    expect(draws(parent, 5)).toEqual(draws(new Random(42), 5))
    expect(child).toEqual(draws(new Random(42).fork('posts'), 5))
    expect(child).not.toEqual(draws(new Random(42).fork('users'), 5))
    expect(child).not.toEqual(draws(new Random(43).fork('posts'), 5))
  })
})

describe('WeightedPicker', () => {
  it('never picks a zero weight, and picks in proportion to the weights', () => {
    const picker = new WeightedPicker([0, 1, 3, 0])
    const random = new Random(1)
    const counts = [0, 0, 0, 0]
    for (let i = 0; i < 8000; i++) {
      const index = picker.pick(random)
      counts[index] = (counts[index] as number) + 1
    }
    expect(counts[0]).toBe(0)
    expect(counts[3]).toBe(0)
    expect((counts[2] as number) / (counts[1] as number)).toBeCloseTo(3, 0)
  })
})

describe('apportion', () => {
  it('splits a total in proportion, summing exactly to it', () => {
    expect(apportion(100, [20, 20, 20, 10, 15, 5, 5, 5])).toEqual([20, 20, 20, 10, 15, 5, 5, 5])
    const parts = apportion(7, [1, 1, 1])
    expect(parts.reduce((a, b) => a + b, 0)).toBe(7)
    expect(parts).toEqual([3, 2, 2])
    expect(apportion(0, [1, 2])).toEqual([0, 0])
  })
})
