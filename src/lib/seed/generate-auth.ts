/**
 * What the API's login and upload flows keep (phase 006): sessions of active users (some
 * already expired, as a live database has them), an email verification token for every user
 * who has not verified yet, and a few uploads that were authorised but never completed.
 */

import { pendingUploadSchema, sessionSchema, verificationTokenSchema } from '../../schemas.js'
import type { Random } from '../random.js'
import { SEED_COLUMNS } from './columns.js'
import { DAY, ts } from './dataset.js'
import { type GenContext, REF } from './gen-context.js'

export const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'VRSS/1.4 (Android 15; Pixel 9)',
]
const UPLOAD_TYPES = [
  ['image/jpeg', 'jpg'],
  ['image/png', 'png'],
  ['video/mp4', 'mp4'],
  ['audio/mpeg', 'mp3'],
] as const

/** Columns of the users rows this generator reads. */
const USER_EMAIL = 2
const USER_VERIFIED = 3
const USER_STATUS = 5

export function generateSessions(ctx: GenContext): void {
  const random = ctx.random.fork(`sessions:${ctx.ids.users}`)
  const rows = ctx.ds.table('sessions', SEED_COLUMNS.sessions).rows
  const users = ctx.ds.table('users', []).rows
  ctx.users.forEach((user, i) => {
    if (users[i]?.[USER_STATUS] !== 'active') return
    for (let n = random.int(1, 2); n > 0; n--) {
      // Sessions last 7 days; about one in five has run out.
      const expired = random.chance(0.2)
      const created = Math.max(
        user.createdAt,
        REF - random.int(expired ? 8 : 0, expired ? 30 : 6) * DAY,
      )
      const lastActivity = Math.min(REF, created + random.int(0, 6 * 24) * 3_600_000)
      const session = sessionSchema.parse({
        userId: user.id,
        token: hex(random, 64),
        expiresAt: ts(created + 7 * DAY),
        ipAddress: `203.0.113.${random.int(1, 254)}`,
        userAgent: random.pick(USER_AGENTS),
      })
      rows.push([
        ctx.ids.sessions + rows.length,
        user.id,
        session.token,
        ts(created + 7 * DAY),
        session.ipAddress ?? null,
        session.userAgent ?? null,
        ts(lastActivity),
        ts(created),
        ts(lastActivity),
      ])
    }
  })
}

export function generateVerificationTokens(ctx: GenContext): void {
  const random = ctx.random.fork(`verification-tokens:${ctx.ids.users}`)
  const rows = ctx.ds.table('verification_tokens', SEED_COLUMNS.verification_tokens).rows
  ctx.ds.table('users', []).rows.forEach((user, i) => {
    if (user[USER_VERIFIED] !== false) return
    const created = Math.max(ctx.users[i]?.createdAt ?? REF, REF - random.int(0, 3) * DAY)
    const token = verificationTokenSchema.parse({
      identifier: user[USER_EMAIL],
      token: hex(random, 48),
      expires: ts(created + DAY),
    })
    rows.push([
      ctx.ids.verification_tokens + rows.length,
      token.identifier,
      token.token,
      ts(created + DAY),
      ts(created),
    ])
  })
}

/** Uploads authorised in the last hour that the client never completed (one per 20 users). */
export function generatePendingUploads(ctx: GenContext): void {
  const random = ctx.random.fork(`pending-uploads:${ctx.ids.users}`)
  const rows = ctx.ds.table('pending_uploads', [
    'id',
    'user_id',
    's3_key',
    'filename',
    'content_type',
    'size',
    'expires_at',
    'created_at',
  ]).rows
  const count = Math.max(1, Math.round(ctx.users.length / 20))
  for (const user of random.sample(ctx.users, Math.min(count, ctx.users.length))) {
    const id = uuid(random)
    const [mime, extension] = random.pick(UPLOAD_TYPES)
    const filename = `upload_${rows.length + 1}.${extension}`
    const created = REF - random.int(1, 60) * 60_000
    const upload = pendingUploadSchema.parse({
      id,
      userId: user.id,
      s3Key: `users/${user.id}/posts/${id}_${filename}`,
      filename,
      contentType: mime,
      size: random.int(10_000, 5_000_000),
      expiresAt: ts(created + 15 * 60_000),
    })
    rows.push([
      id,
      user.id,
      upload.s3Key,
      filename,
      mime,
      upload.size as number,
      ts(created + 15 * 60_000),
      ts(created),
    ])
  }
}

export function hex(random: Random, length: number): string {
  let text = ''
  while (text.length < length) text += random.int(0, 0xffff).toString(16).padStart(4, '0')
  return text.slice(0, length)
}

/** A version-4 UUID from the seeded generator (so the same seed gives the same ids). */
export function uuid(random: Random): string {
  const h = hex(random, 32).split('')
  h[12] = '4'
  h[16] = ((Number.parseInt(h[16] as string, 16) & 0x3) | 0x8).toString(16)
  const s = h.join('')
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`
}
