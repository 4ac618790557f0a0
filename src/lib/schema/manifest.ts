/**
 * What each embedded phase creates (docs/schema.md). `status` and `verify-triggers` compare the
 * database with these lists, and a test checks that the migration files create exactly them.
 */

export interface TriggerManifest {
  name: string
  table: string
  /** Trigger function it must execute. */
  function: string
  /** Timing and events as pg_get_triggerdef() prints them, e.g. "AFTER INSERT OR DELETE". */
  events: string
}

export interface PhaseManifest {
  version: number
  name: string
  tables: readonly string[]
  indexes: readonly string[]
  /** Indexes of earlier phases that this one drops (replaced by one of its own). */
  dropsIndexes?: readonly string[]
  triggers: readonly TriggerManifest[]
}

const updatedAt = (table: string): TriggerManifest => ({
  name: `${table}_set_updated_at`,
  table,
  function: 'vrss_set_updated_at',
  events: 'BEFORE UPDATE',
})

export const PHASES: readonly PhaseManifest[] = [
  {
    version: 1,
    name: 'foundation',
    tables: ['users', 'user_profiles', 'subscription_tiers', 'storage_usage'],
    indexes: ['idx_users_status', 'idx_user_profiles_visibility', 'idx_user_profiles_style_config'],
    triggers: [
      updatedAt('users'),
      {
        name: 'users_create_storage_row',
        table: 'users',
        function: 'vrss_create_storage_row',
        events: 'AFTER INSERT',
      },
      updatedAt('user_profiles'),
      updatedAt('subscription_tiers'),
      updatedAt('storage_usage'),
    ],
  },
  {
    version: 2,
    name: 'content_social',
    tables: [
      'posts',
      'post_media',
      'user_follows',
      'friendships',
      'post_interactions',
      'comments',
      'reposts',
    ],
    indexes: [
      'idx_posts_user_created',
      'idx_posts_type_created',
      'idx_posts_engagement_created',
      'idx_posts_user_status',
      'idx_posts_media_urls',
      'idx_post_media_user_size',
      'idx_post_media_post',
      'idx_user_follows_both',
      'idx_user_follows_follower',
      'idx_user_follows_following',
      'idx_friendships_user1',
      'idx_friendships_user2',
      'idx_post_interactions_user_post',
      'idx_post_interactions_post_type',
      'idx_comments_post_created',
      'idx_comments_parent',
      'idx_comments_user_created',
      'idx_reposts_user',
      'idx_reposts_post',
    ],
    triggers: [
      updatedAt('posts'),
      updatedAt('comments'),
      {
        name: 'post_interactions_count_likes',
        table: 'post_interactions',
        function: 'vrss_count_likes',
        events: 'AFTER INSERT OR DELETE OR UPDATE OF type, post_id',
      },
      {
        name: 'reposts_count_reposts',
        table: 'reposts',
        function: 'vrss_count_reposts',
        events: 'AFTER INSERT OR DELETE OR UPDATE OF post_id',
      },
      {
        name: 'comments_count_comments',
        table: 'comments',
        function: 'vrss_count_comments',
        events: 'AFTER INSERT OR DELETE OR UPDATE OF deleted_at, post_id, parent_comment_id',
      },
      {
        name: 'user_follows_befriend',
        table: 'user_follows',
        function: 'vrss_befriend_on_mutual_follow',
        events: 'AFTER INSERT',
      },
      {
        name: 'post_media_track_storage',
        table: 'post_media',
        function: 'vrss_track_storage',
        events: 'AFTER INSERT OR DELETE OR UPDATE OF user_id, type, file_size_bytes',
      },
    ],
  },
  {
    version: 3,
    name: 'features',
    tables: [
      'profile_sections',
      'section_content',
      'custom_feeds',
      'feed_filters',
      'user_lists',
      'list_members',
    ],
    indexes: [
      'idx_profile_sections_user_order',
      'idx_profile_sections_user',
      'idx_section_content_section_order',
      'idx_custom_feeds_user',
      'idx_feed_filters_feed',
      'idx_feed_filters_type',
      'idx_list_members_member',
    ],
    triggers: [
      updatedAt('profile_sections'),
      updatedAt('section_content'),
      updatedAt('custom_feeds'),
      updatedAt('user_lists'),
    ],
  },
  {
    version: 4,
    name: 'communication',
    tables: ['conversations', 'messages', 'notifications', 'user_subscriptions'],
    indexes: [
      'idx_conversations_participants',
      'idx_messages_conversation_created',
      'idx_messages_read_by',
      'idx_messages_sender',
      'idx_notifications_user_unread',
      'idx_notifications_user_created',
      'idx_notifications_actor',
      'idx_notifications_post',
      'idx_notifications_comment',
      'idx_user_subscriptions_user',
      'idx_user_subscriptions_tier',
    ],
    triggers: [
      updatedAt('messages'),
      {
        name: 'messages_touch_conversation',
        table: 'messages',
        function: 'vrss_touch_conversation',
        events: 'AFTER INSERT',
      },
      updatedAt('user_subscriptions'),
    ],
  },
  {
    version: 5,
    name: 'feed',
    tables: [],
    indexes: ['idx_posts_feed_author', 'idx_posts_feed_recent'],
    triggers: [],
  },
  {
    version: 6,
    name: 'api_compat',
    tables: ['sessions', 'verification_tokens', 'pending_uploads'],
    indexes: ['idx_sessions_user', 'idx_sessions_expires_at', 'idx_pending_uploads_user_expires'],
    triggers: [updatedAt('sessions')],
  },
  {
    version: 7,
    name: 'posts_visibility',
    tables: [],
    indexes: [],
    triggers: [],
  },
  {
    // Replaces the updated_at triggers of posts and comments (same names): later phases win.
    version: 8,
    name: 'counters',
    tables: ['post_counter_deltas'],
    indexes: ['idx_post_counter_deltas_post'],
    triggers: [
      {
        name: 'posts_set_updated_at',
        table: 'posts',
        function: 'vrss_posts_set_updated_at',
        events:
          'BEFORE UPDATE OF user_id, type, status, visibility, title, content, content_html, media_urls, thumbnail_url, published_at, scheduled_for, created_at, deleted_at',
      },
      {
        name: 'comments_set_updated_at',
        table: 'comments',
        function: 'vrss_comments_set_updated_at',
        events:
          'BEFORE UPDATE OF post_id, user_id, parent_comment_id, content, content_html, created_at, deleted_at',
      },
    ],
  },
  {
    // Replaces vrss_feed() (phase 5's signature) with the bounded index-only walk, and phase 5's
    // walk index with one that includes the author.
    version: 9,
    name: 'feed_walk',
    tables: [],
    indexes: ['idx_posts_feed_walk'],
    dropsIndexes: ['idx_posts_feed_recent'],
    triggers: [],
  },
  {
    // Timelines for readers of many accounts: written when a post is made, read by vrss_feed.
    version: 10,
    name: 'feed_timeline',
    tables: ['feed_timeline_readers', 'feed_timeline_entries', 'feed_timeline_sources'],
    indexes: ['idx_feed_timeline_sources_reader'],
    triggers: [
      {
        name: 'posts_timeline',
        table: 'posts',
        function: 'vrss_timeline_add_post',
        events: 'AFTER INSERT OR UPDATE OF status, deleted_at, created_at, user_id',
      },
      {
        name: 'user_follows_timeline',
        table: 'user_follows',
        function: 'vrss_timeline_follow',
        events: 'AFTER INSERT OR DELETE OR UPDATE OF follower_id, following_id',
      },
    ],
  },
]

/**
 * Tables without a bigint id from a sequence: the API makes pending_uploads' ids itself, and a
 * feed timeline's rows are keyed by the reader and the post.
 */
export const TABLES_WITHOUT_SEQUENCE: readonly string[] = [
  'pending_uploads',
  'feed_timeline_readers',
  'feed_timeline_entries',
  'feed_timeline_sources',
]

export const VRSS_TABLES: readonly string[] = PHASES.flatMap((phase) => phase.tables)

/**
 * Tables that only hold what other tables already say (phase 10's feed timelines, a cache that
 * reconcile rebuilds): emptying them loses nothing.
 */
export const DERIVED_TABLES: readonly string[] = [
  'feed_timeline_readers',
  'feed_timeline_sources',
  'feed_timeline_entries',
]

/** The tables whose exact row counts `status` shows. */
export const MAIN_TABLES: readonly string[] = [
  'users',
  'posts',
  'user_follows',
  'friendships',
  'post_interactions',
  'comments',
  'reposts',
  'post_media',
  'notifications',
  'messages',
]
