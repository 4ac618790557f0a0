/**
 * What the generation steps share while they build one dataset: the plan, the value pools, the
 * PRNG, the rows so far, and what later steps need of earlier ones (users, posts, follows,
 * storage used per user).
 */
import type { Random } from '../random.js'
import type { Dataset, IdStart } from './dataset.js'
import type { SeedPlan } from './plan.js'
import { type Pools, REFERENCE_DATE } from './pools.js'

export type Role = 'popular' | 'new' | 'suspended' | 'regular'

export interface SeedUser {
  id: number
  role: Role
  username: string
  createdAt: number
}

export interface SeedPost {
  id: number
  author: number // index into users
  type: string
  published: boolean
  createdAt: number
  likes: number
  comments: number
  reposts: number
}

export interface GenContext {
  plan: SeedPlan
  pools: Pools
  random: Random
  ds: Dataset
  ids: IdStart
  /** Ordinal of the first user of this run (usernames stay unique with --append). */
  userOrdinal: number
  users: SeedUser[]
  posts: SeedPost[]
  /** follower index → followee indexes */
  following: Set<number>[]
  usedBytes: Map<number, number[]> // user id → [images, videos, audio, other]
  quotas: Map<number, number>
  feedKinds: { power: number[]; typical: number[]; sparse: number[] }
}

/** Every seeded timestamp, as ms. */
export const REF = REFERENCE_DATE.getTime()
/** The Free tier's quota: every user's until a subscription says otherwise. */
export const FREE_QUOTA = 52_428_800
/** Post type → the kind of media it carries (text posts carry none). */
export const MEDIA_TYPES: Record<string, string> = {
  image: 'image',
  image_gallery: 'image',
  video_short: 'video',
  video_long: 'video',
  song: 'audio',
  album: 'audio',
}

const scratch = new WeakMap<GenContext, SeedUser[]>()
/**
 * A copy of the users for drawing a few at a time with Random#sampleInPlace (O(k) per draw;
 * Random#sample copies all users per draw, which is quadratic when there is a draw per user).
 */
export function scratchUsers(ctx: GenContext): SeedUser[] {
  let users = scratch.get(ctx)
  if (!users) {
    users = ctx.users.slice()
    scratch.set(ctx, users)
  }
  return users
}
