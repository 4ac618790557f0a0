/**
 * Likes, comments and reposts, skewed towards popular authors, and the post counters they add
 * up to (computed here, so the load can run with triggers off and still be exact).
 */
import { SEED_COLUMNS } from './columns.js'
import { DAY, ts, type Value } from './dataset.js'
import { type GenContext, REF, type SeedPost, type SeedUser } from './gen-context.js'
import { WeightedPicker } from './random.js'

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
  const rows = ctx.ds.table('post_interactions', SEED_COLUMNS.post_interactions).rows
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
  const rows = ctx.ds.table('comments', SEED_COLUMNS.comments).rows
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
  const rows = ctx.ds.table('reposts', SEED_COLUMNS.reposts).rows
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
