/**
 * What every chunk of a streamed seed may refer to, computed up front in memory proportional to
 * the number of users only (a few typed arrays): each user's role, creation time and number of
 * posts (hence every post id), the designated feed readers, the planted mutual pairs (a
 * symmetric hash, so either side knows them), and the expected rates that spread likes,
 * comments, reposts, media and notifications over posts the way docs/seed.md describes.
 */
import type { Random } from '../random.js'
import { DAY } from './dataset.js'
import { REF, type Role } from './gen-context.js'
import type { SeedPlan } from './plan.js'
import { WeightedPicker } from './random.js'

export interface World {
  plan: SeedPlan
  n: number
  createdAt: Float64Array
  /** Posts per user, and the index of each user's first post (post id = start + that). */
  postCount: Int32Array
  postStart: Float64Array
  /** Designated feed readers (user indexes) and a mark for each. */
  feedKinds: { power: number[]; typical: number[]; sparse: number[] }
  fixed: Uint8Array
  followees: WeightedPicker
  newcomers: [number, number]
  /** Planted mutual pairs: {a, a + o mod n} for o in `offsets` when pairHash(a, o) < pairP. */
  offsets: number[]
  offsetSet: Set<number>
  pairP: number
  salt: number
  oneWayMean: number
  likesPerWeight: number
  commentsPerWeight: number
  repostsPerWeight: number
  mediaPerPost: number
  notify: { like: number; follow: number; comment: number; system: number }
}

export function roleOf(plan: SeedPlan, i: number): Role {
  if (i < plan.popular) return 'popular'
  if (i < plan.popular + plan.newcomers) return 'new'
  if (i < plan.popular + plan.newcomers + plan.suspended) return 'suspended'
  return 'regular'
}

/** Engagement weight of a published post by a user of this role (as the in-memory seed). */
export const ENGAGEMENT: Record<Role, number> = { popular: 8, regular: 1, suspended: 1, new: 0.15 }
const FOLLOWEE: Record<Role, number> = { popular: 12, regular: 2, new: 0.4, suspended: 0.3 }
const PUBLISHED = 0.95
/** Likes of the first five published posts of popular users ("the hits"). */
export const HITS = 5

export function makeWorld(plan: SeedPlan, random: Random): World {
  const n = plan.users
  const r = random.fork('world')
  const createdAt = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    createdAt[i] = roleOf(plan, i) === 'new' ? REF - r.int(1, 7) * DAY : REF - r.int(30, 365) * DAY
  }
  const postCount = new Int32Array(n)
  const othersFrom = plan.popular + plan.newcomers
  for (let i = plan.popular; i < othersFrom; i++) postCount[i] = 1
  const popularShare = Math.round(plan.posts * 0.6)
  const add = (i: number) => {
    postCount[i] = (postCount[i] as number) + 1
  }
  for (let k = 0; k < popularShare; k++) add(k % plan.popular)
  for (let k = plan.posts - plan.newcomers - popularShare; k > 0; k--) {
    add(othersFrom < n ? r.int(othersFrom, n - 1) : r.int(0, plan.popular - 1))
  }
  const postStart = new Float64Array(n)
  let weight = 0
  for (let i = 0, at = 0; i < n; i++) {
    postStart[i] = at
    at += postCount[i] as number
    weight += (postCount[i] as number) * ENGAGEMENT[roleOf(plan, i)] * PUBLISHED
  }
  const regularFrom = plan.popular + plan.newcomers + plan.suspended
  const kinds = plan.powerUsers + plan.typicalUsers + plan.sparseUsers
  const regular = Array.from({ length: Math.max(0, n - regularFrom) }, (_, k) => regularFrom + k)
  const designated = r.sample(regular, kinds)
  const fixed = new Uint8Array(n)
  for (const i of designated) fixed[i] = 1
  const designatedEdges =
    plan.powerUsers * plan.powerFollowees +
    plan.typicalUsers * plan.typicalFollowees +
    plan.sparseUsers * plan.sparseFollowees
  const half = Math.floor((n - 1) / 2)
  const free = Math.max(1, n - designated.length)
  const k = Math.min(half, Math.max(1, Math.ceil((plan.mutualPairs / free) * 1.5)))
  const offsets = r.sample(
    Array.from({ length: half }, (_, j) => j + 1),
    k,
  )
  const oneWay = Math.max(0, plan.follows - designatedEdges - 2 * plan.mutualPairs)
  const expected = { likes: plan.likes, follows: plan.follows, comments: plan.comments }
  return {
    plan,
    n,
    createdAt,
    postCount,
    postStart,
    feedKinds: {
      power: designated.slice(0, plan.powerUsers),
      typical: designated.slice(plan.powerUsers, plan.powerUsers + plan.typicalUsers),
      sparse: designated.slice(plan.powerUsers + plan.typicalUsers),
    },
    fixed,
    followees: new WeightedPicker(Array.from({ length: n }, (_, i) => FOLLOWEE[roleOf(plan, i)])),
    newcomers: [plan.popular, plan.popular + plan.newcomers - 1],
    offsets,
    offsetSet: new Set(offsets),
    pairP: Math.min(1, plan.mutualPairs / (free * offsets.length)),
    salt: r.int(0, 0x7fffffff),
    oneWayMean: oneWay / free,
    likesPerWeight: Math.max(0, plan.likes - HITS * 25) / Math.max(weight, 1),
    commentsPerWeight: plan.comments / Math.max(weight, 1),
    repostsPerWeight: plan.reposts / Math.max(weight, 1),
    mediaPerPost: plan.media / Math.max(1, plan.posts * 0.6),
    notify: {
      like: (0.4 * plan.notifications) / Math.max(1, expected.likes),
      follow: (0.3 * plan.notifications) / Math.max(1, expected.follows),
      comment: (0.25 * plan.notifications) / Math.max(1, expected.comments),
      system: (0.05 * plan.notifications) / n,
    },
  }
}

/** A hash of (salt, a, b) in [0, 1): the same on both sides of a pair, in any chunk. */
export function pairHash(salt: number, a: number, b: number): number {
  let h = Math.imul(salt ^ 0x9e3779b9, 0x85ebca6b) ^ a
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) ^ b
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b)
  h ^= h >>> 16
  return (h >>> 0) / 4294967296
}

/** Whether {a, b} is a planted mutual pair. */
export function planted(w: World, a: number, b: number): boolean {
  if (a === b || w.fixed[a] || w.fixed[b]) return false
  const d = (b - a + w.n) % w.n
  if (w.offsetSet.has(d)) return pairHash(w.salt, a, d) < w.pairP
  const back = w.n - d
  return w.offsetSet.has(back) && pairHash(w.salt, b, back) < w.pairP
}

/**
 * A one-way edge a → b is allowed in one direction of each pair only, so that two one-way
 * edges never close a pair: friendships are then exactly the planted pairs.
 */
export function oneWayAllowed(w: World, a: number, b: number): boolean {
  if (a === b || planted(w, a, b)) return false
  const bit = pairHash(w.salt ^ 0x5bd1e995, Math.min(a, b), Math.max(a, b)) < 0.5 ? 0 : 1
  return bit === (a < b ? 0 : 1)
}

/** A Poisson draw (Knuth for small means, normal beyond). */
export function poisson(r: Random, mean: number): number {
  if (mean <= 0) return 0
  if (mean < 30) {
    const limit = Math.exp(-mean)
    let k = 0
    let p = r.next()
    while (p > limit) {
      k++
      p *= r.next()
    }
    return k
  }
  const u = Math.max(r.next(), 1e-12)
  const gauss = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.next())
  return Math.max(0, Math.round(mean + Math.sqrt(mean) * gauss))
}
