/**
 * Builds the whole seed dataset for a plan, deterministically from the seed number.
 */

import { Random } from '../random.js'
import { Dataset, type IdStart } from './dataset.js'
import type { GenContext } from './gen-context.js'
import {
  generatePendingUploads,
  generateSessions,
  generateVerificationTokens,
} from './generate-auth.js'
import {
  fillPostCounters,
  generateComments,
  generateLikes,
  generateReposts,
} from './generate-engagement.js'
import { generateFeeds, generateLists } from './generate-feeds.js'
import { generateFollows } from './generate-follows.js'
import { generateMedia, writeStorage } from './generate-media.js'
import { generateConversations, generateNotifications } from './generate-messages.js'
import { generateProfiles } from './generate-profiles.js'
import { generateSubscriptions, type Tier } from './generate-subscriptions.js'
import { generatePosts, generateUsers } from './generate-users.js'
import type { SeedPlan } from './plan.js'
import { makePools } from './pools.js'

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
