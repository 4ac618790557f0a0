// The VRSS API's own client, on a database vrss-db made: its Prisma model, unchanged, through a
// Prisma 7 client with the pg driver adapter, running the operations its routers and auth
// middleware run. Every one must succeed, and the database's guarantees (counters, friendships,
// storage and quota) must show through the client.
import { randomBytes, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseSeedOptions, run as seed } from '../../src/commands/seed.js'
import { loadContract } from '../support/api-contract.js'
import { migrateTo, testContext } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'
import { type ApiClient, connectApiClient, generateApiClient } from '../support/prisma-client.js'

const db = useTestDatabase()
let prisma: ApiClient

beforeAll(async () => {
  const [dir] = await Promise.all([
    generateApiClient(),
    (async () => {
      await migrateTo(db.sql, db.url)
      await seed(parseSeedOptions({ users: '20' }), testContext(db.sql, db.url))
    })(),
  ])
  prisma = await connectApiClient(dir, db.url)
}, 180_000)

afterAll(async () => {
  await prisma?.$disconnect()
})

const token = () => randomBytes(32).toString('hex')

/** Registers a user as the API does: the user, then an email verification token. */
async function register(name: string) {
  const user = await prisma.user.create({
    data: {
      username: name,
      email: `${name.toLowerCase()}@example.test`,
      passwordHash: '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA',
    },
  })
  const verification = await prisma.verificationToken.create({
    data: { identifier: user.email, token: token(), expires: new Date(Date.now() + 86_400_000) },
  })
  return { user, verification }
}

describe('the VRSS API client on a vrss-db database', () => {
  it('registers, verifies the email, logs in and finds the session by its token', async () => {
    const { user, verification } = await register('Api_Newcomer')
    expect(user.status).toBe('active')
    // The database gives every new user a storage row (trigger), which the API reads.
    const storage = await prisma.storageUsage.findUnique({ where: { userId: user.id } })
    expect(storage?.quotaBytes).toBe(52_428_800n)
    expect(storage?.lastCalculatedAt).toBeInstanceOf(Date)

    const found = await prisma.verificationToken.findUnique({
      where: { token: verification.token },
    })
    await prisma.user.update({ where: { email: found.identifier }, data: { emailVerified: true } })
    await prisma.verificationToken.delete({ where: { id: found.id } })

    const login = await prisma.user.findFirst({
      where: { username: { equals: 'api_newcomer', mode: 'insensitive' }, status: 'active' },
    })
    expect(login?.id).toBe(user.id)
    const session = await prisma.session.create({
      data: {
        userId: user.id,
        token: token(),
        expiresAt: new Date(Date.now() + 7 * 86_400_000),
        ipAddress: '203.0.113.7',
        userAgent: 'vitest',
      },
    })
    await prisma.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } })
    const lookup = await prisma.session.findFirst({
      where: { token: session.token, expiresAt: { gt: new Date() } },
      include: { user: { include: { profile: true } } },
    })
    expect(lookup?.user.emailVerified).toBe(true)
    await prisma.session.update({ where: { id: session.id }, data: { lastActivityAt: new Date() } })
    await prisma.session.deleteMany({ where: { userId: user.id, expiresAt: { lt: new Date() } } })
    await prisma.session.delete({ where: { token: session.token } })
  })

  it('creates a post of every type and filters posts by enum values', async () => {
    const { user } = await register('Api_Poster')
    const types: string[] = loadContract().enums.PostType as string[]
    for (const type of types) {
      const post = await prisma.post.create({
        data: {
          userId: user.id,
          type,
          content: `a ${type} post`,
          visibility: type === 'gif' ? 'followers' : 'public',
          status: 'published',
          publishedAt: new Date(),
          mediaUrls: [],
          likesCount: 0,
          commentsCount: 0,
          repostsCount: 0,
          viewsCount: 0,
        },
      })
      expect(post.type).toBe(type)
    }
    const videos = await prisma.post.findMany({
      where: {
        userId: user.id,
        type: { in: ['video_short', 'video_long'] },
        status: 'published',
        visibility: 'public',
        deletedAt: null,
      },
      orderBy: { createdAt: 'desc' },
    })
    expect(videos.map((p: { type: string }) => p.type).sort()).toEqual([
      'video_long',
      'video_short',
    ])
    expect(await prisma.user.count({ where: { status: 'suspended' } })).toBe(2)
    expect(
      await prisma.userProfile.count({ where: { visibility: { not: 'private' } } }),
    ).toBeGreaterThan(0)
  })

  it('like and unlike, follow and unfollow, comment and reply: the counters and friendships follow', async () => {
    const { user: a } = await register('Api_Alice')
    const { user: b } = await register('Api_Bob')
    const post = await prisma.post.create({
      data: { userId: a.id, type: 'text_short', content: 'hello', publishedAt: new Date() },
    })
    await prisma.postInteraction.create({ data: { userId: b.id, postId: post.id, type: 'like' } })
    expect((await prisma.post.findUnique({ where: { id: post.id } })).likesCount).toBe(1)
    await prisma.postInteraction.delete({
      where: { userId_postId_type: { userId: b.id, postId: post.id, type: 'like' } },
    })
    expect((await prisma.post.findUnique({ where: { id: post.id } })).likesCount).toBe(0)

    await prisma.userFollow.create({ data: { followerId: a.id, followingId: b.id } })
    await prisma.userFollow.create({ data: { followerId: b.id, followingId: a.id } })
    const friends = await prisma.friendship.findMany({
      where: { OR: [{ userId1: a.id }, { userId2: a.id }] },
    })
    expect(friends).toHaveLength(1)
    await prisma.userFollow.delete({
      where: { followerId_followingId: { followerId: b.id, followingId: a.id } },
    })

    const comment = await prisma.comment.create({
      data: { postId: post.id, userId: b.id, content: 'nice' },
    })
    await prisma.comment.create({
      data: { postId: post.id, userId: a.id, content: 'thanks', parentCommentId: comment.id },
    })
    expect((await prisma.comment.findUnique({ where: { id: comment.id } })).repliesCount).toBe(1)
    expect((await prisma.post.findUnique({ where: { id: post.id } })).commentsCount).toBe(2)
    await prisma.comment.update({ where: { id: comment.id }, data: { deletedAt: new Date() } })
    expect((await prisma.post.findUnique({ where: { id: post.id } })).commentsCount).toBe(1)
    await prisma.repost.create({ data: { userId: b.id, postId: post.id, comment: 'look' } })
    expect((await prisma.post.findUnique({ where: { id: post.id } })).repostsCount).toBe(1)
  })

  it("pending upload → media without a post → attached to a post; storage is the uploader's", async () => {
    const { user } = await register('Api_Uploader')
    const id = randomUUID()
    await prisma.pendingUpload.create({
      data: {
        id,
        userId: user.id,
        s3Key: `users/${user.id}/posts/${id}_cat.png`,
        filename: 'cat.png',
        contentType: 'image/png',
        size: 2_000_000n,
        expiresAt: new Date(Date.now() + 900_000),
      },
    })
    const pending = await prisma.pendingUpload.findUnique({ where: { id } })
    const media = await prisma.postMedia.create({
      data: {
        postId: null,
        userId: user.id,
        type: 'image',
        fileUrl: `https://cdn.example/${pending.s3Key}`,
        fileSizeBytes: pending.size,
        mimeType: pending.contentType,
        displayOrder: 0,
      },
    })
    await prisma.pendingUpload.delete({ where: { id } })
    const storage = await prisma.storageUsage.findUnique({ where: { userId: user.id } })
    expect(storage.usedBytes).toBe(2_000_000n)
    expect(storage.imagesBytes).toBe(2_000_000n)

    const post = await prisma.post.create({
      data: { userId: user.id, type: 'image', content: 'my cat', publishedAt: new Date() },
    })
    await prisma.postMedia.update({ where: { id: media.id }, data: { postId: post.id } })
    await prisma.postMedia.create({
      data: {
        postId: post.id,
        userId: user.id,
        type: 'video',
        fileUrl: 'https://cdn.example/v.mp4',
        fileSizeBytes: 3_000_000n,
        mimeType: 'video/mp4',
        displayOrder: 1,
      },
    })
    const after = await prisma.storageUsage.findUnique({ where: { userId: user.id } })
    expect(after.usedBytes).toBe(5_000_000n)
    // Over the quota: the database refuses the upload, whatever the client does.
    await expect(
      prisma.postMedia.create({
        data: {
          userId: user.id,
          type: 'video',
          fileUrl: 'https://cdn.example/huge.mp4',
          fileSizeBytes: 60_000_000n,
          mimeType: 'video/mp4',
        },
      }),
    ).rejects.toThrow()
    await prisma.postMedia.delete({ where: { id: media.id } })
    expect((await prisma.storageUsage.findUnique({ where: { userId: user.id } })).usedBytes).toBe(
      3_000_000n,
    )
  })

  it('custom feeds with filters, and profile sections with content', async () => {
    const { user } = await register('Api_Curator')
    const feed = await prisma.customFeed.create({
      data: {
        userId: user.id,
        name: 'Only Videos',
        algorithmConfig: { filters: [{ type: 'post_type', operator: 'equals', value: 'video' }] },
        filters: {
          create: [
            { type: 'post_type', operator: 'equals', value: ['video_short', 'video_long'] },
            { type: 'engagement', operator: 'greater_than', value: { likes: 10 }, groupId: 1 },
          ],
        },
      },
      include: { filters: true },
    })
    expect(feed.filters).toHaveLength(2)
    const byType = await prisma.feedFilter.findMany({
      where: { type: 'post_type', feedId: feed.id },
    })
    expect(byType).toHaveLength(1)

    const section = await prisma.profileSection.create({
      data: {
        userId: user.id,
        type: 'links',
        title: 'Elsewhere',
        config: { layout: 'list' },
        content: { create: [{ contentType: 'link', title: 'Blog', url: 'https://example.test' }] },
      },
      include: { content: true },
    })
    expect(section.content[0].contentType).toBe('link')
    const list = await prisma.userList.create({ data: { userId: user.id, name: 'Close friends' } })
    await prisma.listMember.create({ data: { listId: list.id, memberUserId: user.id } })
  })

  it('reads every column of every model', async () => {
    const models = Object.values(loadContract().tables).map((t) => t.model)
    const empty: string[] = []
    for (const model of models) {
      const delegate = prisma[model.charAt(0).toLowerCase() + model.slice(1)]
      const row = await delegate.findFirst()
      if (!row) empty.push(model)
    }
    // The seed fills every table (pending uploads and verification tokens included).
    expect(empty).toEqual([])
    const notifications = await prisma.notification.findMany({
      where: { type: { in: ['like', 'follow'] }, isRead: false },
      take: 5,
    })
    expect(notifications.length).toBeGreaterThan(0)
    const subscriptions = await prisma.userSubscription.findMany({ where: { status: 'active' } })
    expect(subscriptions.length).toBeGreaterThan(0)
    const conversations = await prisma.conversation.findMany({
      include: { messages: true },
      take: 3,
    })
    for (const c of conversations) expect(c.lastMessageAt).toBeInstanceOf(Date)
  })
})
