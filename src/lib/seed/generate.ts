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
  onStep?: (message: string) => void,
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
  const steps: [string, (ctx: GenContext) => void][] = [
    ['users', generateUsers],
    ['subscriptions', (c) => generateSubscriptions(c, tiers)],
    ['posts', generatePosts],
    ['follows', generateFollows],
    ['likes', generateLikes],
    ['comments', generateComments],
    ['reposts', generateReposts],
    ['counters', fillPostCounters],
    ['media', generateMedia],
    ['storage totals', writeStorage],
    ['profiles', generateProfiles],
    ['custom feeds', generateFeeds],
    ['lists', generateLists],
    ['conversations', generateConversations],
    ['notifications', generateNotifications],
    ['sessions', generateSessions],
    ['verification tokens', generateVerificationTokens],
    ['pending uploads', generatePendingUploads],
  ]
  for (const [index, [name, step]] of steps.entries()) {
    onStep?.(`Generating ${name} (step ${index + 1} of ${steps.length})`)
    // Let the spinner draw: generating is one long stretch of synchronous work.
    await new Promise((resolve) => setImmediate(resolve))
    step(ctx)
  }
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
