/**
 * Builds the whole seed dataset for a plan, deterministically from the seed number.
 */
import { Dataset, type IdStart } from './dataset.js'
import {
  generatePendingUploads,
  generateSessions,
  generateVerificationTokens,
} from './generate-auth.js'
import {
  generateConversations,
  generateFeeds,
  generateLists,
  generateNotifications,
  generateProfiles,
  generateSubscriptions,
  type Tier,
} from './generate-extras.js'
import {
  fillPostCounters,
  type GenContext,
  generateComments,
  generateFollows,
  generateLikes,
  generateMedia,
  generatePosts,
  generateReposts,
  generateUsers,
  writeStorage,
} from './generate-social.js'
import type { SeedPlan } from './plan.js'
import { makePools } from './pools.js'
import { Random } from './random.js'

export interface GeneratedSeed {
  dataset: Dataset
  /** User ids of the docs/performance.md feed user kinds, for `explain feed`. */
  feedUsers: { power: number[]; typical: number[]; sparse: number[] }
}

export async function generateDataset(
  plan: SeedPlan,
  seed: number,
  ids: IdStart,
  tiers: Tier[],
): Promise<GeneratedSeed> {
  const ctx: GenContext = {
    plan,
    pools: await makePools(seed),
    random: new Random(seed),
    ds: new Dataset(),
    ids,
    userOrdinal: ids.users,
    users: [],
    posts: [],
    following: [],
    usedBytes: new Map(),
    quotas: new Map(),
    feedKinds: { power: [], typical: [], sparse: [] },
  }
  // Order matters: quotas (subscriptions) before media, counters after all engagement.
  generateUsers(ctx)
  generateSubscriptions(ctx, tiers)
  generatePosts(ctx)
  generateFollows(ctx)
  generateLikes(ctx)
  generateComments(ctx)
  generateReposts(ctx)
  fillPostCounters(ctx)
  generateMedia(ctx)
  writeStorage(ctx)
  generateProfiles(ctx)
  generateFeeds(ctx)
  generateLists(ctx)
  generateConversations(ctx)
  generateNotifications(ctx)
  generateSessions(ctx)
  generateVerificationTokens(ctx)
  generatePendingUploads(ctx)
  const idOf = (indexes: number[]) => indexes.map((i) => ctx.users[i]?.id as number)
  return {
    dataset: ctx.ds,
    feedUsers: {
      power: idOf(ctx.feedKinds.power),
      typical: idOf(ctx.feedKinds.typical),
      sparse: idOf(ctx.feedKinds.sparse),
    },
  }
}
