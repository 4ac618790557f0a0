/**
 * One user's follow edges in a streamed seed: the designated feed readers' followees (power:
 * uniform, typical: skewed, sparse: newcomers), the planted mutual pairs this user is in (and
 * the friendship, written by the lower index of the pair), then one-way edges towards a skewed
 * choice of followees. One-way edges go one direction of a pair only, so friendships are exactly
 * the planted pairs: the same guarantee as the in-memory seed, with no graph in memory.
 */
import { ts } from './dataset.js'
import { REF } from './gen-context.js'
import { type Chunk, userId } from './stream-emit.js'
import { notify } from './stream-posts.js'
import { oneWayAllowed, pairHash, poisson } from './stream-world.js'

export function streamFollows(c: Chunk, a: number): void {
  const { r, w } = c
  const plan = w.plan
  const targets = new Set<number>()
  const fill = (count: number, pick: () => number) => {
    for (let guard = count * 20; targets.size < count && guard > 0; guard--) {
      const b = pick()
      if (!targets.has(b) && oneWayAllowed(w, a, b)) {
        targets.add(b)
        edge(c, a, b, oneWayAt(c, a, b))
      }
    }
  }
  const kind = w.fixed[a] ? kindOf(c, a) : undefined
  if (kind === 'power') fill(plan.powerFollowees, () => r.int(0, w.n - 1))
  else if (kind === 'typical') fill(plan.typicalFollowees, () => w.followees.pick(r))
  else if (kind === 'sparse')
    fill(plan.sparseFollowees, () => r.int(w.newcomers[0], w.newcomers[1]))
  if (kind) return
  for (const o of w.offsets) {
    for (const [lo, b] of [
      [a, (a + o) % w.n],
      [(a - o + w.n) % w.n, (a - o + w.n) % w.n],
    ] as const) {
      if (w.fixed[b] || pairHash(w.salt, lo, o) >= w.pairP) continue
      // Both edges of a pair share one time (either side computes it).
      const at = pairAt(c, a, b, lo, o)
      targets.add(b)
      edge(c, a, b, at)
      if (a < b) {
        c.out.push('friendships', [c.out.id('friendships'), userId(c, a), userId(c, b), ts(at)])
      }
    }
  }
  const oneWay = poisson(r, w.oneWayMean)
  const goal = targets.size + oneWay
  for (let guard = oneWay * 20; targets.size < goal && guard > 0; guard--) {
    const b = w.followees.pick(r)
    if (!targets.has(b) && oneWayAllowed(w, a, b)) {
      targets.add(b)
      edge(c, a, b, oneWayAt(c, a, b))
    }
  }
}

function kindOf(c: Chunk, a: number): 'power' | 'typical' | 'sparse' | undefined {
  const k = c.w.feedKinds
  return k.power.includes(a)
    ? 'power'
    : k.typical.includes(a)
      ? 'typical'
      : k.sparse.includes(a)
        ? 'sparse'
        : undefined
}

function oneWayAt(c: Chunk, a: number, b: number): number {
  const start = Math.max(c.w.createdAt[a] as number, c.w.createdAt[b] as number)
  return Math.min(REF, start + c.r.int(1, 20 * 24) * 3_600_000)
}

function pairAt(c: Chunk, a: number, b: number, lo: number, o: number): number {
  const start = Math.max(c.w.createdAt[a] as number, c.w.createdAt[b] as number)
  const hours = 1 + Math.floor(pairHash(c.w.salt ^ 0x27d4eb2f, lo, o) * 20 * 24)
  return Math.min(REF, start + hours * 3_600_000)
}

function edge(c: Chunk, a: number, b: number, at: number): void {
  const when = ts(at)
  const follower = userId(c, a)
  const followee = userId(c, b)
  c.out.push('user_follows', [c.out.id('user_follows'), follower, followee, when])
  if (c.r.chance(c.w.notify.follow))
    notify(c, followee, 'follow', follower, null, null, 'New follower', when)
}
