// How many rows of each kind `seed --users N` makes: docs/seed.md's dataset at 20 users,
// docs/performance.md's MVP scale at 10,000, and sane numbers at the smallest sizes.
import { describe, expect, it } from 'vitest'
import { POST_TYPE_SHARES, planFor, type SeedPlan } from '../../src/lib/seed/plan.js'

const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0)

describe('planFor', () => {
  it('is the docs/seed.md dataset at 20 users', () => {
    const plan = planFor(20)
    expect(plan).toMatchObject({
      users: 20,
      popular: 5,
      newcomers: 3,
      suspended: 2,
      posts: 100,
      follows: 50,
      mutualPairs: 10,
      likes: 210,
      comments: 110,
      reposts: 22,
      media: 50,
    })
    expect(plan.postTypes).toEqual(POST_TYPE_SHARES)
  })

  it('is the MVP scale at 10,000 users: ~500K posts and ~1M follow edges', () => {
    const plan = planFor(10_000)
    expect(plan.posts).toBeGreaterThan(490_000)
    expect(plan.posts).toBeLessThan(510_000)
    expect(plan.follows).toBeGreaterThan(980_000)
    expect(plan.follows).toBeLessThan(1_020_000)
    expect(plan.powerFollowees).toBe(5000)
    expect(plan.typicalFollowees).toBe(200)
    expect(plan.sparseFollowees).toBe(50)
  })

  it('grows with the users: every count is at least what a smaller seed has', () => {
    const sizes = [1, 2, 5, 20, 100, 1000, 10_000]
    const numbers = (plan: SeedPlan) =>
      Object.entries(plan).filter((e): e is [string, number] => typeof e[1] === 'number')
    for (let i = 1; i < sizes.length; i++) {
      const smaller = new Map(numbers(planFor(sizes[i - 1] as number)))
      for (const [key, value] of numbers(planFor(sizes[i] as number))) {
        expect(value, `${key} at ${sizes[i]} users`).toBeGreaterThanOrEqual(
          smaller.get(key) as number,
        )
      }
    }
  })

  it('past the MVP grows in proportion: 100,000 users are ten times the MVP (issue 17)', () => {
    const [mvp, tenfold] = [planFor(10_000), planFor(100_000)]
    expect(tenfold.posts / mvp.posts).toBeCloseTo(10, 3)
    expect(tenfold.follows / mvp.follows).toBeCloseTo(10, 3)
    expect(tenfold.posts).toBeGreaterThan(4_900_000)
    expect(tenfold.posts).toBeLessThan(5_100_000)
    expect(tenfold.follows).toBeGreaterThan(9_800_000)
    expect(tenfold.follows).toBeLessThan(10_200_000)
    // Continuous at the MVP: one more user adds about one user's share, not a jump.
    expect(planFor(10_001).posts - mvp.posts).toBeLessThan(100)
  })

  it('posts and follows grow faster than the users', () => {
    const [small, large] = [planFor(100), planFor(1000)]
    expect(large.posts / small.posts).toBeGreaterThan(10)
    expect(large.follows / small.follows).toBeGreaterThan(10)
  })

  it('splits the posts into the docs/seed.md mix, summing to exactly the posts', () => {
    for (const users of [1, 3, 20, 77, 5000]) {
      const plan = planFor(users)
      expect(sum(plan.postTypes)).toBe(plan.posts)
      expect(Object.keys(plan.postTypes)).toEqual(Object.keys(POST_TYPE_SHARES))
    }
  })

  it('never plans more follow edges than there are ordered pairs of users', () => {
    for (const users of [1, 2, 3, 5, 10]) {
      const plan = planFor(users)
      expect(plan.follows).toBeLessThanOrEqual(users * (users - 1))
      expect(plan.mutualPairs * 2).toBeLessThanOrEqual(plan.follows)
    }
    expect(planFor(1).follows).toBe(0)
  })

  it('keeps at least one of each kind of user, and feed users follow no more than exist', () => {
    for (const users of [1, 2, 20, 100_000]) {
      const plan = planFor(users)
      for (const kind of ['popular', 'newcomers', 'suspended', 'powerUsers', 'typicalUsers'])
        expect(plan[kind as keyof SeedPlan], `${kind} at ${users}`).toBeGreaterThanOrEqual(1)
      expect(plan.powerFollowees).toBeLessThan(Math.max(users, 1))
      expect(plan.typicalFollowees).toBeLessThan(Math.max(users, 1))
    }
  })
})
