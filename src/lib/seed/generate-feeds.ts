/**
 * Custom feeds (with filters that pass src/schemas.ts) and user lists: what users choose to
 * read.
 */

import { algorithmConfigSchema, feedFilterSchema } from '../../schemas.js'
import type { Random } from '../random.js'
import { SEED_COLUMNS } from './columns.js'
import { DAY, Json, ts } from './dataset.js'
import { type GenContext, REF, type SeedUser, scratchUsers } from './gen-context.js'
import { titleCase } from './pools.js'

const FEEDS: {
  name: string
  filters: (ctx: GenContext, r: Random, me: SeedUser) => unknown[]
  sort: string
}[] = [
  {
    name: 'Only Videos',
    sort: 'recent',
    filters: () => [
      { type: 'post_type', operator: 'equals', value: ['video_short', 'video_long'] },
    ],
  },
  {
    name: 'Friends Only',
    sort: 'recent',
    filters: (ctx, r) => [
      {
        type: 'author',
        operator: 'equals',
        value: r.sampleInPlace(scratchUsers(ctx), 3).map((u) => u.id),
      },
    ],
  },
  {
    name: 'Popular Last Week',
    sort: 'popular',
    filters: () => [
      {
        type: 'date_range',
        operator: 'in_range',
        value: { from: ts(REF - 7 * DAY) },
      },
      { type: 'engagement', operator: 'greater_than', value: { min: 10 } },
    ],
  },
  {
    name: 'Music',
    sort: 'recent',
    filters: () => [{ type: 'post_type', operator: 'equals', value: ['song', 'album'] }],
  },
  {
    name: 'Photos',
    sort: 'popular',
    filters: () => [{ type: 'post_type', operator: 'equals', value: ['image', 'image_gallery'] }],
  },
  {
    name: 'Long Reads',
    sort: 'recent',
    filters: () => [{ type: 'post_type', operator: 'equals', value: 'text_long' }],
  },
  {
    name: 'Tagged',
    sort: 'recent',
    filters: (ctx, r) => [{ type: 'tag', operator: 'contains', value: r.pick(ctx.pools.words) }],
  },
]

export function generateFeeds(ctx: GenContext): void {
  const random = ctx.random.fork('feeds')
  const feeds = ctx.ds.table('custom_feeds', SEED_COLUMNS.custom_feeds).rows
  const filters = ctx.ds.table('feed_filters', SEED_COLUMNS.feed_filters).rows
  const perUser = new Map<number, number>()
  for (let k = 0; k < ctx.plan.customFeeds; k++) {
    const owner = ctx.users[k % ctx.users.length] as SeedUser
    const index = perUser.get(owner.id) ?? 0
    perUser.set(owner.id, index + 1)
    const template = FEEDS[(k + index) % FEEDS.length] as (typeof FEEDS)[number]
    const name = index < FEEDS.length ? template.name : `${template.name} ${index}`
    const parts = template.filters(ctx, random, owner).map((f) => feedFilterSchema.parse(f))
    const config = algorithmConfigSchema.parse({
      filters: parts,
      logic: 'AND',
      sort: template.sort,
    })
    const id = ctx.ids.custom_feeds + feeds.length
    const at = ts(owner.createdAt + DAY)
    feeds.push([
      id,
      owner.id,
      name,
      random.pick(ctx.pools.sentences),
      config,
      index === 0,
      index,
      at,
      at,
    ])
    parts.forEach((part, order) => {
      filters.push([
        ctx.ids.feed_filters + filters.length,
        id,
        part.type,
        part.operator,
        new Json(part.value),
        0,
        'AND',
        order,
        at,
      ])
    })
  }
}

export function generateLists(ctx: GenContext): void {
  const random = ctx.random.fork('lists')
  const lists = ctx.ds.table('user_lists', SEED_COLUMNS.user_lists).rows
  const members = ctx.ds.table('list_members', SEED_COLUMNS.list_members).rows
  for (let k = 0; k < ctx.plan.lists; k++) {
    const owner = ctx.users[(k * 3) % ctx.users.length] as SeedUser
    const id = ctx.ids.user_lists + lists.length
    const at = ts(owner.createdAt + DAY)
    lists.push([
      id,
      owner.id,
      `${titleCase(random.pick(ctx.pools.words))} people ${k}`,
      null,
      random.chance(0.7),
      at,
      at,
    ])
    for (const member of random.sampleInPlace(scratchUsers(ctx), random.int(3, 10))) {
      if (member.id !== owner.id)
        members.push([ctx.ids.list_members + members.length, id, member.id, at])
    }
  }
}
