/**
 * One user's posts in a streamed seed, each with all of its likes, comments and reposts (so
 * its counters are exact when its row is written), the media of media posts, and then the
 * user's storage totals (exact: every file of the user is made here). Engagement is spread
 * with the in-memory seed's weights (popular authors 8, others 1, newcomers 0.15 and at most 5
 * likes, drafts none), as Poisson draws around the plan's totals.
 */
import { DAY, ts } from './dataset.js'
import { FREE_QUOTA, MEDIA_TYPES, REF } from './gen-context.js'
import { type Chunk, postId, userId } from './stream-emit.js'
import { ENGAGEMENT, poisson, roleOf } from './stream-world.js'

const MIN_FILE = 100 * 1024
const MAX_FILE = 10 * 1024 * 1024
const BUCKET: Record<string, number> = { image: 0, gif: 3, video: 1, audio: 2, document: 3 }
const MIME: Record<string, string> = {
  image: 'image/jpeg',
  gif: 'image/gif',
  video: 'video/mp4',
  audio: 'audio/mpeg',
  document: 'application/pdf',
}
const TYPES = [
  'text_short',
  'text_long',
  'image',
  'image_gallery',
  'video_short',
  'video_long',
  'song',
  'album',
]
const TYPE_SHARES = [0.2, 0.4, 0.6, 0.7, 0.85, 0.9, 0.95, 1]

interface MediaPost {
  id: number
  type: string
  createdAt: number
}

export function streamPosts(c: Chunk, i: number): void {
  const { r, w, out, pools } = c
  const role = roleOf(w.plan, i)
  const author = userId(c, i)
  const created = w.createdAt[i] as number
  const media: MediaPost[] = []
  for (let k = 0; k < (w.postCount[i] as number); k++) {
    const id = postId(c, i, k)
    const roll0 = r.next()
    const type = TYPES[TYPE_SHARES.findIndex((s) => roll0 < s)] as string
    const createdAt = Math.max(created, REF - 90 * DAY) + r.int(0, 88 * 24) * 3_600_000
    const roll = r.next()
    const status =
      roll < 0.95 ? 'published' : roll < 0.98 ? 'draft' : roll < 0.99 ? 'scheduled' : 'deleted'
    const isText = type === 'text_short' || type === 'text_long'
    const content = isText
      ? type === 'text_long'
        ? r.pick(pools.paragraphs)
        : r.pick(pools.sentences)
      : r.chance(0.5)
        ? r.pick(pools.sentences)
        : null
    const mediaCount = type === 'image_gallery' || type === 'album' ? r.int(2, 6) : 1
    const mediaUrls = MEDIA_TYPES[type]
      ? Array.from(
          { length: mediaCount },
          (_, m) => `https://cdn.vrss.example/${author}/${id}-${m}`,
        )
      : null
    if (MEDIA_TYPES[type]) media.push({ id, type, createdAt })
    const published = status === 'published'
    const weight = published ? ENGAGEMENT[role] : 0
    let likes = poisson(r, weight * w.likesPerWeight)
    if (published && role === 'popular' && c.left.hits > 0) {
      c.left.hits--
      likes = 20 + r.int(0, 10)
    }
    likes = Math.min(likes, role === 'new' ? 5 : w.n)
    streamLikes(c, id, author, createdAt, likes)
    const comments = streamComments(
      c,
      id,
      author,
      createdAt,
      poisson(r, weight * w.commentsPerWeight),
    )
    const reposts = streamReposts(c, id, createdAt, poisson(r, weight * w.repostsPerWeight))
    out.push('posts', [
      id,
      author,
      type,
      status,
      r.chance(0.85) ? 'public' : r.chance(0.7) ? 'followers' : 'private',
      type === 'text_long' || r.chance(0.3) ? r.pick(pools.titles) : null,
      content,
      content === null ? null : `<p>${content}</p>`,
      mediaUrls,
      type.startsWith('video') ? `https://cdn.vrss.example/${author}/${id}-thumb.jpg` : null,
      likes,
      comments,
      reposts,
      r.int(0, 500),
      status === 'published' || status === 'deleted' ? ts(createdAt) : null,
      status === 'scheduled' ? ts(REF + r.int(1, 14) * DAY) : null,
      ts(createdAt),
      ts(createdAt),
      status === 'deleted' ? ts(createdAt + DAY) : null,
    ])
  }
  streamMedia(c, i, media)
}

/** Distinct users, uniformly among all (the author may like their own post, as before). */
function distinctUsers(c: Chunk, count: number): number[] {
  const picked = new Set<number>()
  const n = Math.min(count, c.w.n)
  while (picked.size < n) picked.add(c.r.int(0, c.w.n - 1))
  return [...picked]
}

function streamLikes(c: Chunk, post: number, author: number, at: number, count: number): void {
  const { r, out } = c
  for (const liker of distinctUsers(c, count)) {
    const when = ts(Math.min(REF, at + r.int(1, 240) * 60_000))
    const user = userId(c, liker)
    out.push('post_interactions', [out.id('post_interactions'), user, post, 'like', when])
    if (r.chance(0.05))
      out.push('post_interactions', [out.id('post_interactions'), user, post, 'bookmark', when])
    if (r.chance(c.w.notify.like)) notify(c, author, 'like', user, post, null, 'New like', when)
  }
}

/** Comments of one post (30% replies to a live top-level one); returns the live count. */
function streamComments(c: Chunk, post: number, author: number, at: number, count: number): number {
  const { r, out, pools } = c
  const rows: (string | number | null)[][] = []
  const topLevel: number[] = [] // indexes into rows
  let live = 0
  for (let k = 0; k < count; k++) {
    const parent = topLevel.length > 0 && r.chance(0.3) ? r.pick(topLevel) : undefined
    const deleted = r.chance(0.03)
    const text = r.pick(pools.sentences)
    const when = Math.min(REF, at + r.int(1, 72 * 60) * 60_000)
    const id = out.id('comments') + rows.length
    const user = userId(c, r.int(0, c.w.n - 1))
    rows.push([
      id,
      post,
      user,
      parent === undefined ? null : (rows[parent]?.[0] as number),
      text,
      `<p>${text}</p>`,
      r.int(0, 5),
      0,
      ts(when),
      ts(when),
      deleted ? ts(Math.min(REF, when + DAY)) : null,
    ])
    if (r.chance(c.w.notify.comment))
      notify(c, author, 'comment', user, post, id, 'New comment', ts(when))
    if (deleted) continue
    live++
    if (parent === undefined) topLevel.push(rows.length - 1)
    else {
      const row = rows[parent] as (string | number | null)[]
      row[7] = (row[7] as number) + 1
    }
  }
  for (const row of rows) out.push('comments', row)
  return live
}

function streamReposts(c: Chunk, post: number, at: number, count: number): number {
  const { r, out, pools } = c
  const reposters = distinctUsers(c, count)
  for (const who of reposters) {
    out.push('reposts', [
      out.id('reposts'),
      userId(c, who),
      post,
      r.chance(0.4) ? r.pick(pools.sentences) : null,
      ts(Math.min(REF, at + r.int(1, 48 * 60) * 60_000)),
    ])
  }
  return reposters.length
}

/**
 * Files of the user's media posts, 100 KB–10 MB, under 80% of the quota; the first
 * `nearQuota` Free users with media fill theirs to 90–99%. Then the storage row.
 */
function streamMedia(c: Chunk, i: number, posts: MediaPost[]): void {
  const { r, w, out } = c
  const user = userId(c, i)
  const quota = c.quotas.get(i) ?? FREE_QUOTA
  const bytes = [0, 0, 0, 0]
  const total = () =>
    (bytes[0] as number) + (bytes[1] as number) + (bytes[2] as number) + (bytes[3] as number)
  const order = new Map<number, number>()
  const addFile = (post: MediaPost, size: number) => {
    let type = MEDIA_TYPES[post.type] as string
    if (type === 'image' && r.chance(0.1)) type = 'gif'
    if (r.chance(0.02)) type = 'document'
    const b = BUCKET[type] as number
    bytes[b] = (bytes[b] as number) + size
    const displayOrder = order.get(post.id) ?? 0
    order.set(post.id, displayOrder + 1)
    const visual = type === 'image' || type === 'gif' || type === 'video'
    out.push('post_media', [
      out.id('post_media'),
      post.id,
      user,
      type,
      `https://cdn.vrss.example/${user}/${post.id}/${displayOrder}`,
      size,
      MIME[type] as string,
      visual ? r.pick([640, 1080, 1920]) : null,
      visual ? r.pick([480, 1080, 1350]) : null,
      type === 'video' || type === 'audio' ? r.int(5, 600) : null,
      type === 'video' ? `https://cdn.vrss.example/${user}/${post.id}/thumb.jpg` : null,
      displayOrder,
      ts(post.createdAt),
    ])
  }
  if (posts.length > 0 && c.left.heavy > 0 && quota === FREE_QUOTA) {
    c.left.heavy--
    const goal = Math.floor(quota * (0.9 + r.next() * 0.09))
    while (total() + MIN_FILE <= goal) addFile(r.pick(posts), Math.min(MAX_FILE, goal - total()))
  } else {
    for (const post of posts) {
      for (let k = poisson(r, w.mediaPerPost); k > 0; k--) {
        const room = Math.floor(quota * 0.8) - total()
        if (room < MIN_FILE) break
        addFile(post, Math.min(room, r.int(MIN_FILE, MAX_FILE)))
      }
    }
  }
  const created = w.createdAt[i] as number
  out.push('storage_usage', [
    out.id('storage_usage'),
    user,
    total(),
    quota,
    bytes[0] as number,
    bytes[1] as number,
    bytes[2] as number,
    bytes[3] as number,
    ts(REF),
    ts(created),
    ts(REF),
  ])
}

/** A notification that mirrors an event just made (or a system message). */
export function notify(
  c: Chunk,
  user: number,
  type: string,
  actor: number | null,
  post: number | null,
  comment: number | null,
  title: string,
  at: string,
): void {
  const { r, out } = c
  const read = r.chance(0.6)
  out.push('notifications', [
    out.id('notifications'),
    user,
    type,
    actor,
    post,
    comment,
    title,
    r.chance(0.5) ? r.pick(c.pools.sentences) : null,
    post ? `/posts/${post}` : null,
    read,
    read ? ts(Date.parse(at) + 3_600_000) : null,
    at,
  ])
}
