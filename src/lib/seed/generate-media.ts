/**
 * Media of media-type posts and every user's storage totals, kept under the quota the trigger
 * enforces.
 */
import { SEED_COLUMNS } from './columns.js'
import { ts } from './dataset.js'
import {
  FREE_QUOTA,
  type GenContext,
  MEDIA_TYPES,
  REF,
  type SeedPost,
  type SeedUser,
} from './gen-context.js'

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
  const rows = ctx.ds.table('post_media', SEED_COLUMNS.post_media).rows
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
  const rows = ctx.ds.table('storage_usage', SEED_COLUMNS.storage_usage).rows
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
