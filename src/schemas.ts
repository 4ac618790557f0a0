/**
 * The zod schemas of the VRSS JSONB columns (src/schemas.ts). The API imports them from the package
 * (`import { styleConfigSchema } from 'vrss-db/schemas'`); the seeder validates every value it
 * writes with them.
 */
import { z } from 'zod'

export const SECTION_TYPES = [
  'feed',
  'gallery',
  'links',
  'static_text',
  'static_image',
  'video',
  'reposts',
  'friends',
  'followers',
  'following',
  'list',
] as const
export const FILTER_TYPES = ['post_type', 'author', 'tag', 'date_range', 'engagement'] as const
export const FILTER_OPERATORS = [
  'equals',
  'not_equals',
  'contains',
  'greater_than',
  'less_than',
  'in_range',
] as const
export const POST_TYPES = [
  'text_short',
  'text_long',
  'image',
  'image_gallery',
  'gif',
  'video_short',
  'video_long',
  'song',
  'album',
] as const

const hexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour like #1a2b3c')

export const backgroundConfigSchema = z.strictObject({
  type: z.enum(['color', 'image', 'video']),
  value: z.string(),
  position: z.enum(['center', 'top', 'bottom', 'cover']).optional(),
})

export const musicConfigSchema = z.strictObject({
  url: z.url(),
  autoplay: z.boolean(),
  volume: z.number().min(0).max(100),
})

export const styleConfigSchema = z.strictObject({
  font: z.string().optional(),
  primaryColor: hexColor.optional(),
  secondaryColor: hexColor.optional(),
  backgroundColor: hexColor.optional(),
  textColor: hexColor.optional(),
})

export const layoutConfigSchema = z.strictObject({
  sections: z.array(
    z.strictObject({
      id: z.union([z.number().int(), z.string()]),
      type: z.enum(SECTION_TYPES),
      order: z.number().int(),
      config: z.record(z.string(), z.unknown()),
    }),
  ),
})

const isoDate = z.iso.datetime({ offset: true }).or(z.iso.date())
const oneOrMany = <T extends z.ZodType>(schema: T) => z.union([schema, z.array(schema).min(1)])

/** feed_filters.value: its shape depends on the filter type. */
export const filterValueSchemas = {
  post_type: oneOrMany(z.enum(POST_TYPES)),
  author: oneOrMany(z.number().int().positive()),
  tag: oneOrMany(z.string().min(1)),
  date_range: z
    .strictObject({ from: isoDate.optional(), to: isoDate.optional() })
    .refine((range) => range.from !== undefined || range.to !== undefined, 'from or to'),
  engagement: z
    .strictObject({
      min: z.number().int().min(0).optional(),
      max: z.number().int().min(0).optional(),
    })
    .refine((range) => range.min !== undefined || range.max !== undefined, 'min or max'),
} satisfies Record<(typeof FILTER_TYPES)[number], z.ZodType>

export const feedFilterSchema = z
  .strictObject({
    type: z.enum(FILTER_TYPES),
    operator: z.enum(FILTER_OPERATORS),
    value: z.unknown(),
  })
  .superRefine((filter, ctx) => {
    const result = filterValueSchemas[filter.type].safeParse(filter.value)
    if (!result.success) {
      for (const issue of result.error.issues) {
        ctx.addIssue({ code: 'custom', message: issue.message, path: ['value', ...issue.path] })
      }
    }
  })

export const algorithmConfigSchema = z.strictObject({
  filters: z.array(feedFilterSchema),
  logic: z.enum(['AND', 'OR']),
  sort: z.enum(['recent', 'popular']),
})

export type BackgroundConfig = z.infer<typeof backgroundConfigSchema>
export type MusicConfig = z.infer<typeof musicConfigSchema>
export type StyleConfig = z.infer<typeof styleConfigSchema>
export type LayoutConfig = z.infer<typeof layoutConfigSchema>
export type AlgorithmConfig = z.infer<typeof algorithmConfigSchema>
export type FeedFilter = z.infer<typeof feedFilterSchema>

/**
 * Rows of the tables phase 006 adds for the API's login and upload flows, as the database
 * accepts them (column lengths, a UUID id, a positive size). The seed checks its rows with them.
 */
const timestamp = z.union([z.date(), z.iso.datetime()])
const id = z.union([z.number().int().positive(), z.bigint().positive()])

export const sessionSchema = z.object({
  userId: id,
  token: z.string().min(1).max(255),
  expiresAt: timestamp,
  ipAddress: z.string().max(45).nullable().optional(),
  userAgent: z.string().nullable().optional(),
})

export const verificationTokenSchema = z.object({
  identifier: z.string().min(1).max(255),
  token: z.string().min(1).max(255),
  expires: timestamp,
})

export const pendingUploadSchema = z.object({
  id: z.uuid(),
  userId: id,
  s3Key: z.string().min(1).max(500),
  filename: z.string().min(1).max(255),
  contentType: z.string().min(1).max(100),
  size: z.union([z.number().int().positive(), z.bigint().positive()]),
  expiresAt: timestamp,
})

export type SessionRow = z.infer<typeof sessionSchema>
export type VerificationTokenRow = z.infer<typeof verificationTokenSchema>
export type PendingUploadRow = z.infer<typeof pendingUploadSchema>
