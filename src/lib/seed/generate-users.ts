/**
 * Users (roles: popular, new, suspended, regular) and their posts, in docs/seed.md's mix of
 * post types.
 */
import { SEED_COLUMNS } from './columns.js'
import { DAY, ts } from './dataset.js'
import {
  FREE_QUOTA,
  type GenContext,
  MEDIA_TYPES,
  REF,
  type Role,
  type SeedUser,
} from './gen-context.js'

export function generateUsers(ctx: GenContext): void {
  const { plan, pools, ds } = ctx
  const random = ctx.random.fork('users')
  const rows = ds.table('users', SEED_COLUMNS.users).rows
  for (let i = 0; i < plan.users; i++) {
    const role: Role =
      i < plan.popular
        ? 'popular'
        : i < plan.popular + plan.newcomers
          ? 'new'
          : i < plan.popular + plan.newcomers + plan.suspended
            ? 'suspended'
            : 'regular'
    const ordinal = ctx.userOrdinal + i
    const base = `${random.pick(pools.firstNames)}_${random.pick(pools.lastNames)}`.replace(
      /[^A-Za-z0-9_]/g,
      '',
    )
    const username = `${base.slice(0, 29 - String(ordinal).length)}_${ordinal}`
    const createdAt =
      role === 'new' ? REF - random.int(1, 7) * DAY : REF - random.int(30, 365) * DAY
    const id = ctx.ids.users + i
    ctx.users.push({ id, role, username, createdAt })
    rows.push([
      id,
      username,
      `${username.toLowerCase()}@example.com`,
      random.chance(0.9),
      random.pick(pools.passwordHashes),
      role === 'suspended' ? 'suspended' : 'active',
      ts(createdAt),
      ts(createdAt + random.int(0, 20) * DAY),
      role === 'suspended' ? null : ts(REF - random.int(0, 20) * DAY),
      null,
    ])
    ctx.quotas.set(id, FREE_QUOTA)
    ctx.usedBytes.set(id, [0, 0, 0, 0])
  }
}

/** 60% of posts by popular users, one each for newcomers, the rest spread over the others. */
export function generatePosts(ctx: GenContext): void {
  const { plan, pools, users } = ctx
  const random = ctx.random.fork('posts')
  const types = random.sample(
    Object.entries(plan.postTypes).flatMap(([type, n]) => Array<string>(n).fill(type)),
    plan.posts,
  )
  const byRole = (role: Role) => users.flatMap((u, i) => (u.role === role ? [i] : []))
  const popular = byRole('popular')
  const newcomers = byRole('new')
  const others = [...byRole('regular'), ...byRole('suspended')]
  const authors: number[] = [...newcomers]
  const popularShare = Math.round(plan.posts * 0.6)
  for (let i = 0; i < popularShare; i++) authors.push(popular[i % popular.length] as number)
  while (authors.length < plan.posts) {
    authors.push(others.length ? random.pick(others) : random.pick(popular))
  }
  const rows = ctx.ds.table('posts', SEED_COLUMNS.posts).rows
  for (let i = 0; i < plan.posts; i++) {
    const author = authors[i] as number
    const user = users[author] as SeedUser
    const type = types[i] as string
    const createdAt = Math.max(user.createdAt, REF - 90 * DAY) + random.int(0, 88 * 24) * 3_600_000
    const roll = random.next()
    const status =
      roll < 0.95 ? 'published' : roll < 0.98 ? 'draft' : roll < 0.99 ? 'scheduled' : 'deleted'
    const isText = type === 'text_short' || type === 'text_long'
    const content = isText
      ? type === 'text_long'
        ? random.pick(pools.paragraphs)
        : random.pick(pools.sentences)
      : random.chance(0.5)
        ? random.pick(pools.sentences)
        : null
    const mediaCount = type === 'image_gallery' || type === 'album' ? random.int(2, 6) : 1
    const mediaUrls = MEDIA_TYPES[type]
      ? Array.from(
          { length: mediaCount },
          (_, k) => `https://cdn.vrss.example/${user.id}/${i}-${k}`,
        )
      : null
    ctx.posts.push({
      id: ctx.ids.posts + i,
      author,
      type,
      published: status === 'published',
      createdAt,
      likes: 0,
      comments: 0,
      reposts: 0,
    })
    rows.push([
      ctx.ids.posts + i,
      user.id,
      type,
      status,
      random.chance(0.85) ? 'public' : random.chance(0.7) ? 'followers' : 'private',
      type === 'text_long' || random.chance(0.3) ? random.pick(pools.titles) : null,
      content,
      content === null ? null : `<p>${content}</p>`,
      mediaUrls,
      type.startsWith('video') ? `https://cdn.vrss.example/${user.id}/${i}-thumb.jpg` : null,
      0, // counters are filled in once likes, comments and reposts exist
      0,
      0,
      random.int(0, 500),
      status === 'published' || status === 'deleted' ? ts(createdAt) : null,
      status === 'scheduled' ? ts(REF + random.int(1, 14) * DAY) : null,
      ts(createdAt),
      ts(createdAt),
      status === 'deleted' ? ts(createdAt + DAY) : null,
    ])
  }
}
