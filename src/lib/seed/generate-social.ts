/**
 * Users, posts and the social graph: follows (with exact mutual pairs, and the typical, power
 * and sparse feed users of docs/performance.md), likes, comments, reposts and media — with every counter and
 * storage total computed here, so the load can run with triggers off and still be exact.
 */
import { DAY, type Dataset, type IdStart, ts, type Value } from './dataset.js'
import type { SeedPlan } from './plan.js'
import { type Pools, REFERENCE_DATE } from './pools.js'
import { type Random, WeightedPicker } from './random.js'

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

const REF = REFERENCE_DATE.getTime()
const FREE_QUOTA = 52_428_800
const MEDIA_TYPES: Record<string, string> = {
  image: 'image',
  image_gallery: 'image',
  video_short: 'video',
  video_long: 'video',
  song: 'audio',
  album: 'audio',
}

export function generateUsers(ctx: GenContext): void {
  const { plan, pools, ds } = ctx
  const random = ctx.random.fork('users')
  const rows = ds.table('users', [
    'id',
    'username',
    'email',
    'email_verified',
    'password_hash',
    'status',
    'created_at',
    'updated_at',
    'last_login_at',
    'deleted_at',
  ]).rows
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
  const rows = ctx.ds.table('posts', [
    'id',
    'user_id',
    'type',
    'status',
    'visibility',
    'title',
    'content',
    'content_html',
    'media_urls',
    'thumbnail_url',
    'likes_count',
    'comments_count',
    'reposts_count',
    'views_count',
    'published_at',
    'scheduled_for',
    'created_at',
    'updated_at',
    'deleted_at',
  ]).rows
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

/**
 * Follows: the feed user kinds first (power, typical, sparse), then exactly `mutualPairs` mutual
 * pairs, then one-way edges towards a skewed choice of followees (popular users are followed
 * most). No one-way edge ever closes a pair, so friendships = mutual pairs exactly.
 */
export function generateFollows(ctx: GenContext): void {
  const { plan, users } = ctx
  const random = ctx.random.fork('follows')
  const n = users.length
  const following = ctx.following
  for (let i = 0; i < n; i++) following.push(new Set())
  let edges = 0
  const add = (a: number, b: number) => {
    following[a]?.add(b)
    edges++
  }
  const free = (a: number, b: number) => a !== b && !following[a]?.has(b) && !following[b]?.has(a)
  const weight = (u: SeedUser) =>
    u.role === 'popular' ? 12 : u.role === 'regular' ? 2 : u.role === 'new' ? 0.4 : 0.3
  const picker = new WeightedPicker(users.map(weight))
  const regular = users.flatMap((u, i) => (u.role === 'regular' ? [i] : []))
  const newcomers = users.flatMap((u, i) => (u.role === 'new' ? [i] : []))
  const designated = random.sample(regular, plan.powerUsers + plan.typicalUsers + plan.sparseUsers)
  ctx.feedKinds.power = designated.slice(0, plan.powerUsers)
  ctx.feedKinds.typical = designated.slice(plan.powerUsers, plan.powerUsers + plan.typicalUsers)
  ctx.feedKinds.sparse = designated.slice(plan.powerUsers + plan.typicalUsers)
  const fill = (who: number, count: number, pickFrom: () => number) => {
    let guard = count * 20
    while ((following[who]?.size ?? 0) < count && guard-- > 0) {
      const target = pickFrom()
      if (free(who, target)) add(who, target)
    }
  }
  for (const who of ctx.feedKinds.power) fill(who, plan.powerFollowees, () => random.int(0, n - 1))
  for (const who of ctx.feedKinds.typical)
    fill(who, plan.typicalFollowees, () => picker.pick(random))
  for (const who of ctx.feedKinds.sparse)
    fill(who, plan.sparseFollowees, () => random.pick(newcomers))
  const fixed = new Set(designated)
  let pairs = 0
  let guard = plan.mutualPairs * 50
  while (pairs < plan.mutualPairs && guard-- > 0) {
    const a = random.int(0, n - 1)
    const b = random.int(0, n - 1)
    if (fixed.has(a) || fixed.has(b) || !free(a, b)) continue
    add(a, b)
    add(b, a)
    pairs++
  }
  guard = plan.follows * 50
  while (edges < plan.follows && guard-- > 0) {
    const a = random.int(0, n - 1)
    const b = picker.pick(random)
    if (!fixed.has(a) && free(a, b)) add(a, b)
  }
  writeFollows(ctx, random)
}

function writeFollows(ctx: GenContext, random: Random): void {
  const follows = ctx.ds.table('user_follows', [
    'id',
    'follower_id',
    'following_id',
    'created_at',
  ]).rows
  const friendships = ctx.ds.table('friendships', [
    'id',
    'user_id_1',
    'user_id_2',
    'created_at',
  ]).rows
  ctx.following.forEach((targets, a) => {
    for (const b of targets) {
      const ua = ctx.users[a] as SeedUser
      const ub = ctx.users[b] as SeedUser
      const at = Math.max(ua.createdAt, ub.createdAt) + random.int(1, 20 * 24) * 3_600_000
      follows.push([ctx.ids.user_follows + follows.length, ua.id, ub.id, ts(Math.min(at, REF))])
      // The second edge of a mutual pair creates the friendship, as the trigger would.
      if (ctx.following[b]?.has(a) && a > b) {
        friendships.push([
          ctx.ids.friendships + friendships.length,
          Math.min(ua.id, ub.id),
          Math.max(ua.id, ub.id),
          ts(Math.min(at, REF)),
        ])
      }
    }
  })
}

/** Per-post weights: popular authors draw most engagement, newcomers almost none. */
function engagementPicker(ctx: GenContext): WeightedPicker {
  return new WeightedPicker(
    ctx.posts.map((p) => {
      if (!p.published) return 0
      const role = (ctx.users[p.author] as SeedUser).role
      return role === 'popular' ? 8 : role === 'new' ? 0.15 : 1
    }),
  )
}

export function generateLikes(ctx: GenContext): void {
  const { plan, posts, users } = ctx
  const random = ctx.random.fork('likes')
  const rows = ctx.ds.table('post_interactions', [
    'id',
    'user_id',
    'post_id',
    'type',
    'created_at',
  ]).rows
  const perPost = new Array<number>(posts.length).fill(0)
  const picker = engagementPicker(ctx)
  // The first posts of popular users are the hits: liked by (nearly) everyone.
  const hits = posts
    .flatMap((p, i) => (p.published && users[p.author]?.role === 'popular' ? [i] : []))
    .slice(0, 5)
  for (const i of hits) perPost[i] = Math.min(users.length, 20 + random.int(0, 10))
  let remaining = plan.likes - perPost.reduce((a, b) => a + b, 0)
  let guard = remaining * 20
  while (remaining > 0 && guard-- > 0) {
    const i = picker.pick(random)
    const cap = users[posts[i]?.author as number]?.role === 'new' ? 5 : users.length
    if ((perPost[i] as number) < cap) {
      perPost[i] = (perPost[i] as number) + 1
      remaining--
    }
  }
  const order = users.map((_, i) => i)
  perPost.forEach((count, i) => {
    const post = posts[i] as SeedPost
    for (const liker of random.sampleInPlace(order, count)) {
      const at = ts(Math.min(REF, post.createdAt + random.int(1, 240) * 60_000))
      rows.push([
        ctx.ids.post_interactions + rows.length,
        users[liker]?.id as number,
        post.id,
        'like',
        at,
      ])
      if (random.chance(0.05)) {
        rows.push([
          ctx.ids.post_interactions + rows.length,
          users[liker]?.id as number,
          post.id,
          'bookmark',
          at,
        ])
      }
    }
    post.likes = count
  })
}

export function generateComments(ctx: GenContext): void {
  const { plan, posts, users, pools } = ctx
  const random = ctx.random.fork('comments')
  const rows = ctx.ds.table('comments', [
    'id',
    'post_id',
    'user_id',
    'parent_comment_id',
    'content',
    'content_html',
    'likes_count',
    'replies_count',
    'created_at',
    'updated_at',
    'deleted_at',
  ]).rows
  const picker = engagementPicker(ctx)
  const topLevel = new Map<number, number[]>() // post index → row indexes of live top-level comments
  for (let c = 0; c < plan.comments; c++) {
    const p = picker.pick(random)
    const post = posts[p] as SeedPost
    const candidates = topLevel.get(p) ?? []
    const parentRow =
      candidates.length > 0 && random.chance(0.3) ? random.pick(candidates) : undefined
    const deleted = random.chance(0.03)
    const text = random.pick(pools.sentences)
    const at = Math.min(REF, post.createdAt + random.int(1, 72 * 60) * 60_000)
    const row: Value[] = [
      ctx.ids.comments + rows.length,
      post.id,
      random.pick(users).id,
      parentRow === undefined ? null : (rows[parentRow]?.[0] as number),
      text,
      `<p>${text}</p>`,
      random.int(0, 5),
      0,
      ts(at),
      ts(at),
      deleted ? ts(Math.min(REF, at + DAY)) : null,
    ]
    if (!deleted) {
      post.comments++
      if (parentRow === undefined) candidates.push(rows.length)
      else {
        const parent = rows[parentRow] as Value[]
        parent[7] = (parent[7] as number) + 1
      }
    }
    topLevel.set(p, candidates)
    rows.push(row)
  }
}

export function generateReposts(ctx: GenContext): void {
  const { plan, posts, users, pools } = ctx
  const random = ctx.random.fork('reposts')
  const rows = ctx.ds.table('reposts', ['id', 'user_id', 'post_id', 'comment', 'created_at']).rows
  const picker = engagementPicker(ctx)
  const seen = new Set<string>()
  let guard = plan.reposts * 20
  while (rows.length < plan.reposts && guard-- > 0) {
    const p = picker.pick(random)
    const who = random.int(0, users.length - 1)
    const key = `${who}:${p}`
    if (seen.has(key)) continue
    seen.add(key)
    const post = posts[p] as SeedPost
    post.reposts++
    rows.push([
      ctx.ids.reposts + rows.length,
      users[who]?.id as number,
      post.id,
      random.chance(0.4) ? random.pick(pools.sentences) : null,
      ts(Math.min(REF, post.createdAt + random.int(1, 48 * 60) * 60_000)),
    ])
  }
}

/** Writes the now-known counters into the post rows. */
export function fillPostCounters(ctx: GenContext): void {
  const rows = ctx.ds.table('posts', []).rows
  ctx.posts.forEach((post, i) => {
    const row = rows[i] as Value[]
    row[10] = post.likes
    row[11] = post.comments
    row[12] = post.reposts
  })
}

const MIN_FILE = 100 * 1024
const MAX_FILE = 10 * 1024 * 1024
const BUCKET: Record<string, number> = { image: 0, gif: 3, video: 1, audio: 2, document: 3 }

/**
 * Media of media-type posts, 100 KB–10 MB each. `nearQuota` users get files up to 90–99% of
 * their quota; everyone else stays under 80%, so no row breaks the quota the trigger enforces.
 */
export function generateMedia(ctx: GenContext): void {
  const { plan, posts, users } = ctx
  const random = ctx.random.fork('media')
  const rows = ctx.ds.table('post_media', [
    'id',
    'post_id',
    'user_id',
    'type',
    'file_url',
    'file_size_bytes',
    'mime_type',
    'width',
    'height',
    'duration_seconds',
    'thumbnail_url',
    'display_order',
    'created_at',
  ]).rows
  const mediaPosts = posts.filter((p) => MEDIA_TYPES[p.type])
  if (mediaPosts.length === 0) return
  const byAuthor = new Map<number, SeedPost[]>()
  for (const p of mediaPosts) {
    const list = byAuthor.get(p.author)
    if (list) list.push(p)
    else byAuthor.set(p.author, [p])
  }
  const order = new Map<number, number>()
  const addFile = (post: SeedPost, size: number) => {
    const user = users[post.author] as SeedUser
    let type = MEDIA_TYPES[post.type] as string
    if (type === 'image' && random.chance(0.1)) type = 'gif'
    if (random.chance(0.02)) type = 'document'
    const bytes = ctx.usedBytes.get(user.id) as number[]
    bytes[BUCKET[type] as number] = (bytes[BUCKET[type] as number] as number) + size
    const displayOrder = order.get(post.id) ?? 0
    order.set(post.id, displayOrder + 1)
    const visual = type === 'image' || type === 'gif' || type === 'video'
    rows.push([
      ctx.ids.post_media + rows.length,
      post.id,
      user.id,
      type,
      `https://cdn.vrss.example/${user.id}/${post.id}/${displayOrder}`,
      size,
      MIME[type] as string,
      visual ? random.pick([640, 1080, 1920]) : null,
      visual ? random.pick([480, 1080, 1350]) : null,
      type === 'video' || type === 'audio' ? random.int(5, 600) : null,
      type === 'video' ? `https://cdn.vrss.example/${user.id}/${post.id}/thumb.jpg` : null,
      displayOrder,
      ts(post.createdAt),
    ])
  }
  const total = (id: number) => (ctx.usedBytes.get(id) as number[]).reduce((a, b) => a + b, 0)
  // Near the quota means near the Free tier's 50 MB: a paid tier's gigabytes are out of reach of
  // a few dozen files, so the heavy uploaders are picked among Free users.
  const onFree = (author: number) =>
    (ctx.quotas.get((users[author] as SeedUser).id) ?? FREE_QUOTA) === FREE_QUOTA
  const heavy = new Set([...byAuthor.keys()].filter(onFree).slice(0, plan.nearQuota))
  for (const author of heavy) {
    const user = users[author] as SeedUser
    const quota = ctx.quotas.get(user.id) ?? FREE_QUOTA
    const goal = Math.floor(quota * (0.9 + random.next() * 0.09))
    const authored = byAuthor.get(author) as SeedPost[]
    while (total(user.id) + MIN_FILE <= goal && rows.length < plan.media) {
      addFile(random.pick(authored), Math.min(MAX_FILE, goal - total(user.id)))
    }
  }
  let guard = plan.media * 20
  while (rows.length < plan.media && guard-- > 0) {
    const post = random.pick(mediaPosts)
    const user = users[post.author] as SeedUser
    if (heavy.has(post.author)) continue
    const room = Math.floor((ctx.quotas.get(user.id) ?? FREE_QUOTA) * 0.8) - total(user.id)
    if (room < MIN_FILE) continue
    addFile(post, Math.min(room, random.int(MIN_FILE, MAX_FILE)))
  }
}

const MIME: Record<string, string> = {
  image: 'image/jpeg',
  gif: 'image/gif',
  video: 'video/mp4',
  audio: 'audio/mpeg',
  document: 'application/pdf',
}

export function writeStorage(ctx: GenContext): void {
  const rows = ctx.ds.table('storage_usage', [
    'id',
    'user_id',
    'used_bytes',
    'quota_bytes',
    'images_bytes',
    'videos_bytes',
    'audio_bytes',
    'other_bytes',
    'last_calculated_at',
    'created_at',
    'updated_at',
  ]).rows
  for (const user of ctx.users) {
    const [images, videos, audio, other] = ctx.usedBytes.get(user.id) as number[]
    rows.push([
      ctx.ids.storage_usage + rows.length,
      user.id,
      (images as number) + (videos as number) + (audio as number) + (other as number),
      ctx.quotas.get(user.id) ?? FREE_QUOTA,
      images as number,
      videos as number,
      audio as number,
      other as number,
      ts(REF),
      ts(user.createdAt),
      ts(REF),
    ])
  }
}
