/**
 * Profiles and their sections, custom feeds, lists, conversations, notifications and
 * subscriptions. Every JSONB value passes the zod schemas of src/schemas.ts before it is kept.
 */
import {
  algorithmConfigSchema,
  backgroundConfigSchema,
  feedFilterSchema,
  layoutConfigSchema,
  musicConfigSchema,
  SECTION_TYPES,
  styleConfigSchema,
} from '../../schemas.js'
import { DAY, Json, PgArray, ts } from './dataset.js'
import type { GenContext, SeedUser } from './generate-social.js'
import { REFERENCE_DATE } from './pools.js'
import type { Random } from './random.js'

const REF = REFERENCE_DATE.getTime()

export interface Tier {
  id: number
  name: string
  storage_bytes: number
}

/** Paid plans for some users; their storage quota follows the tier (before media is made). */
export function generateSubscriptions(ctx: GenContext, tiers: Tier[]): void {
  const random = ctx.random.fork('subscriptions')
  const rows = ctx.ds.table('user_subscriptions', [
    'id',
    'user_id',
    'tier_id',
    'status',
    'stripe_subscription_id',
    'stripe_customer_id',
    'current_period_start',
    'current_period_end',
    'canceled_at',
    'created_at',
    'updated_at',
  ]).rows
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

export function generateProfiles(ctx: GenContext): void {
  const { plan, pools } = ctx
  const random = ctx.random.fork('profiles')
  const sections = generateSections(ctx)
  const rows = ctx.ds.table('user_profiles', [
    'id',
    'user_id',
    'display_name',
    'bio',
    'age',
    'location',
    'website',
    'visibility',
    'background_config',
    'music_config',
    'style_config',
    'layout_config',
    'created_at',
    'updated_at',
  ]).rows
  ctx.users.forEach((user, i) => {
    const withBio = i < plan.withBio
    const background =
      i % ctx.users.length < plan.withBackground
        ? backgroundConfigSchema.parse(
            random.chance(0.5)
              ? { type: 'color', value: random.pick(pools.colors) }
              : {
                  type: random.pick(['image', 'video'] as const),
                  value: `https://cdn.vrss.example/bg/${user.id}`,
                  position: random.pick(['center', 'top', 'bottom', 'cover'] as const),
                },
          )
        : {}
    const music =
      (i + plan.popular) % ctx.users.length < plan.withMusic
        ? musicConfigSchema.parse({
            url: `https://music.vrss.example/track/${user.id}`,
            autoplay: random.chance(0.3),
            volume: random.int(20, 90),
          })
        : null
    const style = styleConfigSchema.parse(
      random.chance(0.6)
        ? {
            font: random.pick(pools.fonts),
            primaryColor: random.pick(pools.colors),
            secondaryColor: random.pick(pools.colors),
          }
        : {},
    )
    const layout = layoutConfigSchema.parse({ sections: sections.get(user.id) ?? [] })
    rows.push([
      ctx.ids.user_profiles + i,
      user.id,
      withBio ? `${user.username.split('_')[0]} ${user.username.split('_')[1] ?? ''}`.trim() : null,
      withBio ? random.pick(pools.sentences) : null,
      random.chance(0.6) ? random.int(16, 70) : null,
      random.chance(0.5) ? random.pick(pools.cities).slice(0, 100) : null,
      random.chance(0.3) ? random.pick(pools.urls) : null,
      random.chance(0.7) ? 'public' : random.chance(0.66) ? 'followers' : 'private',
      background,
      music,
      style,
      layout,
      ts(user.createdAt),
      ts(user.createdAt),
    ])
  })
}

type LayoutEntry = { id: number; type: string; order: number; config: Record<string, unknown> }

function generateSections(ctx: GenContext): Map<number, LayoutEntry[]> {
  const random = ctx.random.fork('sections')
  const sections = ctx.ds.table('profile_sections', [
    'id',
    'user_id',
    'type',
    'title',
    'description',
    'config',
    'display_order',
    'is_visible',
    'created_at',
    'updated_at',
  ]).rows
  const content = ctx.ds.table('section_content', [
    'id',
    'section_id',
    'contentType',
    'title',
    'content',
    'url',
    'display_order',
    'created_at',
    'updated_at',
  ]).rows
  const layouts = new Map<number, LayoutEntry[]>()
  for (const user of ctx.users.slice(0, ctx.plan.usersWithSections)) {
    const types = random.sample(SECTION_TYPES, random.int(1, 4))
    const entries: LayoutEntry[] = []
    types.forEach((type, order) => {
      const id = ctx.ids.profile_sections + sections.length
      const config = type === 'feed' ? { limit: 20 } : type === 'gallery' ? { columns: 3 } : {}
      sections.push([
        id,
        user.id,
        type,
        titleCase(type),
        random.chance(0.4) ? random.pick(ctx.pools.sentences) : null,
        config,
        order,
        random.chance(0.9),
        ts(user.createdAt),
        ts(user.createdAt),
      ])
      entries.push({ id, type, order, config })
      if (type === 'links' || type === 'static_text' || type === 'static_image') {
        const kind = type === 'links' ? 'link' : type === 'static_text' ? 'text' : 'image'
        for (let k = 0; k < random.int(1, 4); k++) {
          content.push([
            ctx.ids.section_content + content.length,
            id,
            kind,
            random.pick(ctx.pools.titles).slice(0, 200),
            kind === 'text' ? random.pick(ctx.pools.paragraphs) : null,
            kind === 'text' ? null : random.pick(ctx.pools.urls),
            k,
            ts(user.createdAt),
            ts(user.createdAt),
          ])
        }
      }
    })
    layouts.set(user.id, entries)
  }
  return layouts
}

const FEEDS: {
  name: string
  filters: (ctx: GenContext, r: Random, me: SeedUser) => unknown[]
  sort: string
}[] = [
  {
    name: 'Only Videos',
    sort: 'recent',
    filters: () => [
      { type: 'post_type', operator: 'equals', value: ['video_short', 'video_long'] },
    ],
  },
  {
    name: 'Friends Only',
    sort: 'recent',
    filters: (ctx, r) => [
      { type: 'author', operator: 'equals', value: r.sample(ctx.users, 3).map((u) => u.id) },
    ],
  },
  {
    name: 'Popular Last Week',
    sort: 'popular',
    filters: () => [
      {
        type: 'date_range',
        operator: 'in_range',
        value: { from: ts(REF - 7 * DAY) },
      },
      { type: 'engagement', operator: 'greater_than', value: { min: 10 } },
    ],
  },
  {
    name: 'Music',
    sort: 'recent',
    filters: () => [{ type: 'post_type', operator: 'equals', value: ['song', 'album'] }],
  },
  {
    name: 'Photos',
    sort: 'popular',
    filters: () => [{ type: 'post_type', operator: 'equals', value: ['image', 'image_gallery'] }],
  },
  {
    name: 'Long Reads',
    sort: 'recent',
    filters: () => [{ type: 'post_type', operator: 'equals', value: 'text_long' }],
  },
  {
    name: 'Tagged',
    sort: 'recent',
    filters: (ctx, r) => [{ type: 'tag', operator: 'contains', value: r.pick(ctx.pools.words) }],
  },
]

export function generateFeeds(ctx: GenContext): void {
  const random = ctx.random.fork('feeds')
  const feeds = ctx.ds.table('custom_feeds', [
    'id',
    'user_id',
    'name',
    'description',
    'algorithm_config',
    'is_default',
    'display_order',
    'created_at',
    'updated_at',
  ]).rows
  const filters = ctx.ds.table('feed_filters', [
    'id',
    'feed_id',
    'type',
    'operator',
    'value',
    'group_id',
    'logical_operator',
    'display_order',
    'created_at',
  ]).rows
  const perUser = new Map<number, number>()
  for (let k = 0; k < ctx.plan.customFeeds; k++) {
    const owner = ctx.users[k % ctx.users.length] as SeedUser
    const index = perUser.get(owner.id) ?? 0
    perUser.set(owner.id, index + 1)
    const template = FEEDS[(k + index) % FEEDS.length] as (typeof FEEDS)[number]
    const name = index < FEEDS.length ? template.name : `${template.name} ${index}`
    const parts = template.filters(ctx, random, owner).map((f) => feedFilterSchema.parse(f))
    const config = algorithmConfigSchema.parse({
      filters: parts,
      logic: 'AND',
      sort: template.sort,
    })
    const id = ctx.ids.custom_feeds + feeds.length
    const at = ts(owner.createdAt + DAY)
    feeds.push([
      id,
      owner.id,
      name,
      random.pick(ctx.pools.sentences),
      config,
      index === 0,
      index,
      at,
      at,
    ])
    parts.forEach((part, order) => {
      filters.push([
        ctx.ids.feed_filters + filters.length,
        id,
        part.type,
        part.operator,
        new Json(part.value),
        0,
        'AND',
        order,
        at,
      ])
    })
  }
}

export function generateLists(ctx: GenContext): void {
  const random = ctx.random.fork('lists')
  const lists = ctx.ds.table('user_lists', [
    'id',
    'user_id',
    'name',
    'description',
    'is_public',
    'created_at',
    'updated_at',
  ]).rows
  const members = ctx.ds.table('list_members', ['id', 'list_id', 'member_user_id', 'added_at']).rows
  for (let k = 0; k < ctx.plan.lists; k++) {
    const owner = ctx.users[(k * 3) % ctx.users.length] as SeedUser
    const id = ctx.ids.user_lists + lists.length
    const at = ts(owner.createdAt + DAY)
    lists.push([
      id,
      owner.id,
      `${titleCase(random.pick(ctx.pools.words))} people ${k}`,
      null,
      random.chance(0.7),
      at,
      at,
    ])
    for (const member of random.sample(ctx.users, random.int(3, 10))) {
      if (member.id !== owner.id)
        members.push([ctx.ids.list_members + members.length, id, member.id, at])
    }
  }
}

export function generateConversations(ctx: GenContext): void {
  const random = ctx.random.fork('conversations')
  const conversations = ctx.ds.table('conversations', [
    'id',
    'participant_ids',
    'last_message_at',
    'created_at',
  ]).rows
  const messages = ctx.ds.table('messages', [
    'id',
    'conversation_id',
    'sender_id',
    'content',
    'read_by',
    'created_at',
    'updated_at',
    'deleted_at',
  ]).rows
  for (let k = 0; k < ctx.plan.conversations; k++) {
    const people = random.sample(ctx.users, random.chance(0.8) ? 2 : random.int(3, 5))
    const ids = people.map((p) => p.id)
    const id = ctx.ids.conversations + conversations.length
    let at = Math.max(...people.map((p) => p.createdAt)) + random.int(1, 100) * 3_600_000
    const created = at
    for (let m = 0, count = random.int(2, 8); m < count; m++) {
      at = Math.min(REF, at + random.int(1, 600) * 60_000)
      const sender = random.pick(ids)
      const readBy = [sender, ...ids.filter((x) => x !== sender && random.chance(0.6))]
      messages.push([
        ctx.ids.messages + messages.length,
        id,
        sender,
        random.pick(ctx.pools.sentences),
        new PgArray(readBy),
        ts(at),
        ts(at),
        random.chance(0.02) ? ts(at) : null,
      ])
    }
    conversations.push([id, new PgArray(ids), ts(at), ts(Math.min(created, REF))])
  }
}

/** Notifications that mirror real events: follows, likes, comments, reposts, messages. */
export function generateNotifications(ctx: GenContext): void {
  const random = ctx.random.fork('notifications')
  const rows = ctx.ds.table('notifications', [
    'id',
    'user_id',
    'type',
    'actor_id',
    'post_id',
    'comment_id',
    'title',
    'content',
    'action_url',
    'is_read',
    'read_at',
    'created_at',
  ]).rows
  const likes = ctx.ds.table('post_interactions', []).rows
  const follows = ctx.ds.table('user_follows', []).rows
  const comments = ctx.ds.table('comments', []).rows
  const authorOf = new Map(ctx.posts.map((p) => [p.id, (ctx.users[p.author] as SeedUser).id]))
  for (let k = 0; k < ctx.plan.notifications; k++) {
    const roll = random.next()
    let row: [number, string, number | null, number | null, number | null, string, string]
    if (roll < 0.4 && likes.length) {
      const like = random.pick(likes)
      row = [
        authorOf.get(like[2] as number) as number,
        'like',
        like[1] as number,
        like[2] as number,
        null,
        'New like',
        like[4] as string,
      ]
    } else if (roll < 0.7 && follows.length) {
      const follow = random.pick(follows)
      row = [
        follow[2] as number,
        'follow',
        follow[1] as number,
        null,
        null,
        'New follower',
        follow[3] as string,
      ]
    } else if (roll < 0.95 && comments.length) {
      const comment = random.pick(comments)
      row = [
        authorOf.get(comment[1] as number) as number,
        'comment',
        comment[2] as number,
        comment[1] as number,
        comment[0] as number,
        'New comment',
        comment[8] as string,
      ]
    } else {
      row = [random.pick(ctx.users).id, 'system', null, null, null, 'Welcome to VRSS', ts(REF)]
    }
    const [userId, type, actor, post, comment, title, at] = row
    const read = random.chance(0.6)
    rows.push([
      ctx.ids.notifications + rows.length,
      userId,
      type,
      actor,
      post,
      comment,
      title,
      random.chance(0.5) ? random.pick(ctx.pools.sentences) : null,
      post ? `/posts/${post}` : null,
      read,
      read ? ts(Date.parse(at) + 3_600_000) : null,
      at,
    ])
  }
}

function titleCase(text: string): string {
  return text.replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase())
}
