/**
 * The follow graph, with exact mutual pairs (friendships) and the feed user kinds of
 * docs/performance.md.
 */

import type { Random } from '../random.js'
import { SEED_COLUMNS } from './columns.js'
import { ts } from './dataset.js'
import { type GenContext, REF, type SeedUser } from './gen-context.js'
import { WeightedPicker } from './random.js'

/**
 * Follows: the feed user kinds first (power, typical, sparse), then exactly `mutualPairs` mutual
 * pairs, then one-way edges towards a skewed choice of followees (popular users are followed
 * most). No one-way edge ever closes a pair, so friendships = mutual pairs exactly.
 */
export function generateFollows(ctx: GenContext): void {
  const { plan, users } = ctx
  const random = ctx.random.fork('follows')
  const n = users.length
  const following = ctx.following
  for (let i = 0; i < n; i++) following.push(new Set())
  let edges = 0
  const add = (a: number, b: number) => {
    following[a]?.add(b)
    edges++
  }
  const free = (a: number, b: number) => a !== b && !following[a]?.has(b) && !following[b]?.has(a)
  const weight = (u: SeedUser) =>
    u.role === 'popular' ? 12 : u.role === 'regular' ? 2 : u.role === 'new' ? 0.4 : 0.3
  const picker = new WeightedPicker(users.map(weight))
  const regular = users.flatMap((u, i) => (u.role === 'regular' ? [i] : []))
  const newcomers = users.flatMap((u, i) => (u.role === 'new' ? [i] : []))
  const designated = random.sample(regular, plan.powerUsers + plan.typicalUsers + plan.sparseUsers)
  ctx.feedKinds.power = designated.slice(0, plan.powerUsers)
  ctx.feedKinds.typical = designated.slice(plan.powerUsers, plan.powerUsers + plan.typicalUsers)
  ctx.feedKinds.sparse = designated.slice(plan.powerUsers + plan.typicalUsers)
  const fill = (who: number, count: number, pickFrom: () => number) => {
    let guard = count * 20
    while ((following[who]?.size ?? 0) < count && guard-- > 0) {
      const target = pickFrom()
      if (free(who, target)) add(who, target)
    }
  }
  for (const who of ctx.feedKinds.power) fill(who, plan.powerFollowees, () => random.int(0, n - 1))
  for (const who of ctx.feedKinds.typical)
    fill(who, plan.typicalFollowees, () => picker.pick(random))
  for (const who of ctx.feedKinds.sparse)
    fill(who, plan.sparseFollowees, () => random.pick(newcomers))
  const fixed = new Set(designated)
  let pairs = 0
  let guard = plan.mutualPairs * 50
  while (pairs < plan.mutualPairs && guard-- > 0) {
    const a = random.int(0, n - 1)
    const b = random.int(0, n - 1)
    if (fixed.has(a) || fixed.has(b) || !free(a, b)) continue
    add(a, b)
    add(b, a)
    pairs++
  }
  guard = plan.follows * 50
  while (edges < plan.follows && guard-- > 0) {
    const a = random.int(0, n - 1)
    const b = picker.pick(random)
    if (!fixed.has(a) && free(a, b)) add(a, b)
  }
  writeFollows(ctx, random)
}

function writeFollows(ctx: GenContext, random: Random): void {
  const follows = ctx.ds.table('user_follows', SEED_COLUMNS.user_follows).rows
  const friendships = ctx.ds.table('friendships', SEED_COLUMNS.friendships).rows
  ctx.following.forEach((targets, a) => {
    for (const b of targets) {
      const ua = ctx.users[a] as SeedUser
      const ub = ctx.users[b] as SeedUser
      const at = Math.max(ua.createdAt, ub.createdAt) + random.int(1, 20 * 24) * 3_600_000
      follows.push([ctx.ids.user_follows + follows.length, ua.id, ub.id, ts(Math.min(at, REF))])
      // The second edge of a mutual pair creates the friendship, as the trigger would.
      if (ctx.following[b]?.has(a) && a > b) {
        friendships.push([
          ctx.ids.friendships + friendships.length,
          Math.min(ua.id, ub.id),
          Math.max(ua.id, ub.id),
          ts(Math.min(at, REF)),
        ])
      }
    }
  })
}
