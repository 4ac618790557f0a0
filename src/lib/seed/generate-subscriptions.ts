/** Paid plans and the storage quotas that follow from them. */
import { SEED_COLUMNS } from './columns.js'
import { DAY, ts } from './dataset.js'
import { type GenContext, REF } from './gen-context.js'

export interface Tier {
  id: number
  name: string
  storage_bytes: number
}

/** Paid plans for some users; their storage quota follows the tier (before media is made). */
export function generateSubscriptions(ctx: GenContext, tiers: Tier[]): void {
  const random = ctx.random.fork('subscriptions')
  const rows = ctx.ds.table('user_subscriptions', SEED_COLUMNS.user_subscriptions).rows
  const paid = tiers.filter((t) => t.name !== 'Free')
  if (paid.length === 0) return
  // Near-quota users stay on Free, so "near the quota" means near 50 MB.
  const candidates = ctx.users.slice(ctx.plan.popular).filter((u) => u.role !== 'suspended')
  for (const user of random.sample(candidates, ctx.plan.subscriptions)) {
    const tier = random.pick(paid)
    const status = random.chance(0.8) ? 'active' : random.pick(['canceled', 'expired'])
    const start = REF - random.int(0, 29) * DAY
    if (status === 'active') ctx.quotas.set(user.id, tier.storage_bytes)
    rows.push([
      ctx.ids.user_subscriptions + rows.length,
      user.id,
      tier.id,
      status,
      `sub_${user.id.toString(36)}${random.int(1000, 9999)}`,
      `cus_${user.id.toString(36)}${random.int(1000, 9999)}`,
      ts(start),
      ts(start + 30 * DAY),
      status === 'canceled' ? ts(start + random.int(1, 20) * DAY) : null,
      ts(start),
      ts(start),
    ])
  }
}
