/**
 * Profiles and their sections. Every JSONB value passes the zod schemas of src/schemas.ts
 * before it is kept.
 */

import {
  backgroundConfigSchema,
  layoutConfigSchema,
  musicConfigSchema,
  SECTION_TYPES,
  styleConfigSchema,
} from '../../schemas.js'
import { SEED_COLUMNS } from './columns.js'
import { ts } from './dataset.js'
import type { GenContext } from './gen-context.js'
import { titleCase } from './pools.js'

export function generateProfiles(ctx: GenContext): void {
  const { plan, pools } = ctx
  const random = ctx.random.fork('profiles')
  const sections = generateSections(ctx)
  const rows = ctx.ds.table('user_profiles', SEED_COLUMNS.user_profiles).rows
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
  const sections = ctx.ds.table('profile_sections', SEED_COLUMNS.profile_sections).rows
  const content = ctx.ds.table('section_content', SEED_COLUMNS.section_content).rows
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
