/** Conversations with their messages, and notifications that mirror real events. */
import { SEED_COLUMNS } from './columns.js'
import { PgArray, ts } from './dataset.js'
import { type GenContext, REF, type SeedUser, scratchUsers } from './gen-context.js'

export function generateConversations(ctx: GenContext): void {
  const random = ctx.random.fork('conversations')
  const conversations = ctx.ds.table('conversations', SEED_COLUMNS.conversations).rows
  const messages = ctx.ds.table('messages', SEED_COLUMNS.messages).rows
  for (let k = 0; k < ctx.plan.conversations; k++) {
    const people = random.sampleInPlace(
      scratchUsers(ctx),
      random.chance(0.8) ? 2 : random.int(3, 5),
    )
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
  const rows = ctx.ds.table('notifications', SEED_COLUMNS.notifications).rows
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
