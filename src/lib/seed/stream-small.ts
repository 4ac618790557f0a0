/**
 * A streamed seed's tables that are not made user by user — subscriptions, custom feeds and
 * their filters, lists and their members, conversations and their messages, pending uploads —
 * made slice by slice of users (about SLICE_USERS at a time, handed on after their users) by the usual generators, so that
 * memory holds one slice's rows whatever --users is (made whole, they were ~3.8 KB per user:
 * 380 MB at 100,000 users). List members, conversation partners and "Friends Only" authors are
 * picked within the slice; each slice draws from its own fork of the seed.
 */
import type { Random } from '../random.js'
import { Dataset, type IdStart } from './dataset.js'
import type { GenContext, SeedUser } from './gen-context.js'
import { generatePendingUploads } from './generate-auth.js'
import { generateFeeds, generateLists } from './generate-feeds.js'
import { generateConversations } from './generate-messages.js'
import { generateSubscriptions, type Tier } from './generate-subscriptions.js'
import type { SeedPlan } from './plan.js'
import type { Pools } from './pools.js'
import { roleOf, type World } from './stream-world.js'

/** Users per slice (the slices of a seed are within a few users of this). */
export const SLICE_USERS = 500

/** Slice s covers the user indexes [bounds[s], bounds[s + 1]). */
export function sliceBounds(users: number): number[] {
  const count = Math.max(1, Math.round(users / SLICE_USERS))
  return Array.from({ length: count + 1 }, (_, s) => Math.round((s * users) / count))
}

/** The share of `total` for users [a, b): the slices' shares sum to exactly `total`. */
const share = (total: number, users: number, a: number, b: number) =>
  Math.round((total * b) / users) - Math.round((total * a) / users)

export interface SliceInput {
  plan: SeedPlan
  world: World
  /** The seed's root generator: slice s draws from its fork `slice:s`. */
  random: Random
  pools: Pools
  /** Where each table's ids go on: its start plus the rows of the slices before. */
  ids: IdStart
  tiers: Tier[]
}

/**
 * The rows of slice `s`, users [a, b): with `pendingUploads`, only the pending uploads (kept in
 * memory for the load's record: their ids are UUIDs, a few per hundred users); without, the
 * other tables, plus the storage quota each active subscription sets (by user index).
 */
export function sliceTables(
  input: SliceInput,
  s: number,
  a: number,
  b: number,
  pendingUploads: boolean,
): { dataset: Dataset; quotas: Map<number, number> } {
  const { plan, world, ids } = input
  const users: SeedUser[] = []
  for (let i = a; i < b; i++) {
    users.push({
      id: ids.users + i,
      role: roleOf(plan, i),
      username: '',
      createdAt: world.createdAt[i] as number,
    })
  }
  const n = plan.users
  const ctx: GenContext = {
    plan: {
      ...plan,
      users: b - a,
      popular: Math.max(0, Math.min(plan.popular, b) - a),
      subscriptions: share(plan.subscriptions, n, a, b),
      customFeeds: share(plan.customFeeds, n, a, b),
      lists: share(plan.lists, n, a, b),
      conversations: share(plan.conversations, n, a, b),
    },
    pools: input.pools,
    random: input.random.fork(`slice:${s}`),
    ds: new Dataset(),
    ids,
    userOrdinal: ids.users,
    users,
    posts: [],
    following: [],
    usedBytes: new Map(),
    quotas: new Map(),
    feedKinds: { power: [], typical: [], sparse: [] },
  }
  if (pendingUploads) {
    generatePendingUploads(ctx)
    return { dataset: ctx.ds, quotas: new Map() }
  }
  generateSubscriptions(ctx, input.tiers)
  generateFeeds(ctx)
  generateLists(ctx)
  generateConversations(ctx)
  const quotas = new Map<number, number>()
  for (const [id, quota] of ctx.quotas) quotas.set(id - ids.users, quota)
  return { dataset: ctx.ds, quotas }
}
