/**
 * Where a streamed seed's generators put rows: straight into COPY text per table (no row
 * objects kept), with ids handed out from the range reserved for each table up front.
 */
import { VrssError } from '../errors.js'
import type { Random } from '../random.js'
import { encodeRow } from './copy.js'
import type { IdStart, Value } from './dataset.js'
import type { Pools } from './pools.js'
import type { World } from './stream-world.js'

/** The tables a streamed seed writes chunk by chunk, in foreign-key order, with their columns. */
export const STREAMED_COLUMNS: Record<string, readonly string[]> = {
  users: [
    'id',
    'username',
    'email',
    'email_verified',
    'password_hash',
    'status',
    'created_at',
    'updated_at',
    'last_login_at',
    'deleted_at',
  ],
  user_profiles: [
    'id',
    'user_id',
    'display_name',
    'bio',
    'age',
    'location',
    'website',
    'visibility',
    'background_config',
    'music_config',
    'style_config',
    'layout_config',
    'created_at',
    'updated_at',
  ],
  storage_usage: [
    'id',
    'user_id',
    'used_bytes',
    'quota_bytes',
    'images_bytes',
    'videos_bytes',
    'audio_bytes',
    'other_bytes',
    'last_calculated_at',
    'created_at',
    'updated_at',
  ],
  posts: [
    'id',
    'user_id',
    'type',
    'status',
    'visibility',
    'title',
    'content',
    'content_html',
    'media_urls',
    'thumbnail_url',
    'likes_count',
    'comments_count',
    'reposts_count',
    'views_count',
    'published_at',
    'scheduled_for',
    'created_at',
    'updated_at',
    'deleted_at',
  ],
  post_media: [
    'id',
    'post_id',
    'user_id',
    'type',
    'file_url',
    'file_size_bytes',
    'mime_type',
    'width',
    'height',
    'duration_seconds',
    'thumbnail_url',
    'display_order',
    'created_at',
  ],
  user_follows: ['id', 'follower_id', 'following_id', 'created_at'],
  friendships: ['id', 'user_id_1', 'user_id_2', 'created_at'],
  post_interactions: ['id', 'user_id', 'post_id', 'type', 'created_at'],
  comments: [
    'id',
    'post_id',
    'user_id',
    'parent_comment_id',
    'content',
    'content_html',
    'likes_count',
    'replies_count',
    'created_at',
    'updated_at',
    'deleted_at',
  ],
  reposts: ['id', 'user_id', 'post_id', 'comment', 'created_at'],
  profile_sections: [
    'id',
    'user_id',
    'type',
    'title',
    'description',
    'config',
    'display_order',
    'is_visible',
    'created_at',
    'updated_at',
  ],
  section_content: [
    'id',
    'section_id',
    'contentType',
    'title',
    'content',
    'url',
    'display_order',
    'created_at',
    'updated_at',
  ],
  notifications: [
    'id',
    'user_id',
    'type',
    'actor_id',
    'post_id',
    'comment_id',
    'title',
    'content',
    'action_url',
    'is_read',
    'read_at',
    'created_at',
  ],
  sessions: [
    'id',
    'user_id',
    'token',
    'expires_at',
    'ip_address',
    'user_agent',
    'last_activity_at',
    'created_at',
    'updated_at',
  ],
  verification_tokens: ['id', 'identifier', 'token', 'expires', 'created_at'],
  // Made slice by slice of users by the usual generators (stream-small.ts), in their columns.
  user_subscriptions: [
    'id',
    'user_id',
    'tier_id',
    'status',
    'stripe_subscription_id',
    'stripe_customer_id',
    'current_period_start',
    'current_period_end',
    'canceled_at',
    'created_at',
    'updated_at',
  ],
  custom_feeds: [
    'id',
    'user_id',
    'name',
    'description',
    'algorithm_config',
    'is_default',
    'display_order',
    'created_at',
    'updated_at',
  ],
  feed_filters: [
    'id',
    'feed_id',
    'type',
    'operator',
    'value',
    'group_id',
    'logical_operator',
    'display_order',
    'created_at',
  ],
  user_lists: ['id', 'user_id', 'name', 'description', 'is_public', 'created_at', 'updated_at'],
  list_members: ['id', 'list_id', 'member_user_id', 'added_at'],
  conversations: ['id', 'participant_ids', 'last_message_at', 'created_at'],
  messages: [
    'id',
    'conversation_id',
    'sender_id',
    'content',
    'read_by',
    'created_at',
    'updated_at',
    'deleted_at',
  ],
}

const TABLE_ORDER = Object.keys(STREAMED_COLUMNS)

export type StreamedTable = keyof typeof STREAMED_COLUMNS & keyof IdStart

export class Emitter {
  private buffers = new Map<string, string[]>()
  /** Rows written since the last take. */
  buffered = 0
  /** Rows written per table so far (all chunks). */
  readonly counts = new Map<string, number>()

  constructor(
    private readonly starts: IdStart,
    private readonly limits: Record<string, number>,
  ) {}

  /** The next id of `table`; refuses to step out of the reserved range. */
  id(table: StreamedTable): number {
    const id = this.starts[table] + (this.counts.get(table) ?? 0)
    if (id > (this.limits[table] as number)) throw outOfRange(table)
    return id
  }

  /**
   * Rows a generator numbered itself from this.id(table) on, in its own columns (which must be
   * STREAMED_COLUMNS[table]).
   */
  pushRows(table: StreamedTable, columns: readonly string[], rows: Value[][]): void {
    if (rows.length === 0) return
    if (columns.join() !== STREAMED_COLUMNS[table]?.join()) throw outOfRange(table)
    const count = this.counts.get(table) ?? 0
    if (this.starts[table] + count + rows.length - 1 > (this.limits[table] as number))
      throw outOfRange(table)
    this.counts.set(table, count + rows.length)
    this.buffered += rows.length
    const lines = this.buffers.get(table) ?? []
    this.buffers.set(table, lines)
    for (const row of rows) lines.push(encodeRow(row))
  }

  /** Appends a row whose first value is `this.id(table)`. */
  push(table: StreamedTable, row: Value[]): void {
    this.counts.set(table, (this.counts.get(table) ?? 0) + 1)
    this.buffered++
    const lines = this.buffers.get(table)
    if (lines) lines.push(encodeRow(row))
    else this.buffers.set(table, [encodeRow(row)])
  }

  /** The COPY text written since the last take, per table, in foreign-key order. */
  take(): Map<string, string> {
    const taken = new Map<string, string>()
    for (const table of TABLE_ORDER) {
      const lines = this.buffers.get(table)
      if (lines) taken.set(table, lines.join(''))
    }
    this.buffers = new Map()
    this.buffered = 0
    return taken
  }
}

function outOfRange(table: string): VrssError {
  return new VrssError(`The seed made ${table} rows it did not plan for`, {
    hint: 'This is a bug in vrss-db: please report it with the --users and --seed used.',
    code: 'SEED_RANGE',
  })
}

/** What the generators of one chunk of users share. */
export interface Chunk {
  w: World
  r: Random
  out: Emitter
  ids: IdStart
  pools: Pools
  userOrdinal: number
  /** Storage quota per user index, where a subscription sets one. */
  quotas: Map<number, number>
  /** Across chunks: near-quota users and hit posts still to make. */
  left: { heavy: number; hits: number }
}

export const userId = (c: Chunk, i: number) => c.ids.users + i
export const postId = (c: Chunk, i: number, k: number) =>
  c.ids.posts + (c.w.postStart[i] as number) + k
