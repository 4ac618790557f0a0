/**
 * One user of a streamed seed, all rows that hang off the user alone: the account, its
 * profile (and sections), its login sessions and, when the email is not verified, a
 * verification token. Same shapes and shares as the in-memory generators.
 */
import {
  backgroundConfigSchema,
  layoutConfigSchema,
  musicConfigSchema,
  SECTION_TYPES,
  sessionSchema,
  styleConfigSchema,
  verificationTokenSchema,
} from '../../schemas.js'
import { DAY, ts } from './dataset.js'
import { REF } from './gen-context.js'
import { hex, USER_AGENTS } from './generate-auth.js'
import { titleCase } from './pools.js'
import { type Chunk, userId } from './stream-emit.js'
import { roleOf } from './stream-world.js'

export function streamUser(c: Chunk, i: number): void {
  const { r, pools, w, out } = c
  const role = roleOf(w.plan, i)
  const id = userId(c, i)
  const ordinal = c.userOrdinal + i
  const base = `${r.pick(pools.firstNames)}_${r.pick(pools.lastNames)}`.replace(
    /[^A-Za-z0-9_]/g,
    '',
  )
  const username = `${base.slice(0, 29 - String(ordinal).length)}_${ordinal}`
  const createdAt = w.createdAt[i] as number
  const email = `${username.toLowerCase()}@example.com`
  const verified = r.chance(0.9)
  const active = role !== 'suspended'
  out.push('users', [
    id,
    username,
    email,
    verified,
    r.pick(pools.passwordHashes),
    active ? 'active' : 'suspended',
    ts(createdAt),
    ts(createdAt + r.int(0, 20) * DAY),
    active ? ts(REF - r.int(0, 20) * DAY) : null,
    null,
  ])
  streamProfile(c, i, id, username, createdAt)
  if (active) streamSessions(c, id, createdAt)
  if (!verified) {
    const created = Math.max(createdAt, REF - r.int(0, 3) * DAY)
    const token = verificationTokenSchema.parse({
      identifier: email,
      token: hex(r, 48),
      expires: ts(created + DAY),
    })
    out.push('verification_tokens', [
      out.id('verification_tokens'),
      token.identifier,
      token.token,
      ts(created + DAY),
      ts(created),
    ])
  }
}

function streamProfile(c: Chunk, i: number, id: number, username: string, at: number): void {
  const { r, pools, w } = c
  const plan = w.plan
  const withBio = i < plan.withBio
  const background =
    i < plan.withBackground
      ? backgroundConfigSchema.parse(
          r.chance(0.5)
            ? { type: 'color', value: r.pick(pools.colors) }
            : {
                type: r.pick(['image', 'video'] as const),
                value: `https://cdn.vrss.example/bg/${id}`,
                position: r.pick(['center', 'top', 'bottom', 'cover'] as const),
              },
        )
      : {}
  const music =
    (i + plan.popular) % w.n < plan.withMusic
      ? musicConfigSchema.parse({
          url: `https://music.vrss.example/track/${id}`,
          autoplay: r.chance(0.3),
          volume: r.int(20, 90),
        })
      : null
  const style = styleConfigSchema.parse(
    r.chance(0.6)
      ? {
          font: r.pick(pools.fonts),
          primaryColor: r.pick(pools.colors),
          secondaryColor: r.pick(pools.colors),
        }
      : {},
  )
  const sections = i < plan.usersWithSections ? streamSections(c, id, at) : []
  const layout = layoutConfigSchema.parse({ sections })
  const [first, last] = username.split('_')
  c.out.push('user_profiles', [
    c.out.id('user_profiles'),
    id,
    withBio ? `${first} ${last ?? ''}`.trim() : null,
    withBio ? r.pick(pools.sentences) : null,
    r.chance(0.6) ? r.int(16, 70) : null,
    r.chance(0.5) ? r.pick(pools.cities).slice(0, 100) : null,
    r.chance(0.3) ? r.pick(pools.urls) : null,
    r.chance(0.7) ? 'public' : r.chance(0.66) ? 'followers' : 'private',
    background,
    music,
    style,
    layout,
    ts(at),
    ts(at),
  ])
}

type LayoutEntry = { id: number; type: string; order: number; config: Record<string, unknown> }

function streamSections(c: Chunk, user: number, at: number): LayoutEntry[] {
  const { r, pools, out } = c
  const entries: LayoutEntry[] = []
  r.sample(SECTION_TYPES, r.int(1, 4)).forEach((type, order) => {
    const id = out.id('profile_sections')
    const config = type === 'feed' ? { limit: 20 } : type === 'gallery' ? { columns: 3 } : {}
    out.push('profile_sections', [
      id,
      user,
      type,
      titleCase(type),
      r.chance(0.4) ? r.pick(pools.sentences) : null,
      config,
      order,
      r.chance(0.9),
      ts(at),
      ts(at),
    ])
    entries.push({ id, type, order, config })
    if (type !== 'links' && type !== 'static_text' && type !== 'static_image') return
    const kind = type === 'links' ? 'link' : type === 'static_text' ? 'text' : 'image'
    for (let k = 0, count = r.int(1, 4); k < count; k++) {
      out.push('section_content', [
        out.id('section_content'),
        id,
        kind,
        r.pick(pools.titles).slice(0, 200),
        kind === 'text' ? r.pick(pools.paragraphs) : null,
        kind === 'text' ? null : r.pick(pools.urls),
        k,
        ts(at),
        ts(at),
      ])
    }
  })
  return entries
}

/** One or two sessions; about one in five has run out (they last 7 days). */
function streamSessions(c: Chunk, user: number, createdAt: number): void {
  const { r, out } = c
  for (let n = r.int(1, 2); n > 0; n--) {
    const expired = r.chance(0.2)
    const created = Math.max(createdAt, REF - r.int(expired ? 8 : 0, expired ? 30 : 6) * DAY)
    const lastActivity = Math.min(REF, created + r.int(0, 6 * 24) * 3_600_000)
    const session = sessionSchema.parse({
      userId: user,
      token: hex(r, 64),
      expiresAt: ts(created + 7 * DAY),
      ipAddress: `203.0.113.${r.int(1, 254)}`,
      userAgent: r.pick(USER_AGENTS),
    })
    out.push('sessions', [
      out.id('sessions'),
      user,
      session.token,
      ts(created + 7 * DAY),
      session.ipAddress ?? null,
      session.userAgent ?? null,
      ts(lastActivity),
      ts(created),
      ts(lastActivity),
    ])
  }
}
