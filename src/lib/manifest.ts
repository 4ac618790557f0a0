/**
 * What each embedded phase creates (SPEC §2–§4). `status` compares the database with this list,
 * and a test checks that the migration files create exactly these objects.
 */

export interface PhaseManifest {
  version: number
  name: string
  tables: readonly string[]
}

export const PHASES: readonly PhaseManifest[] = [
  {
    version: 1,
    name: 'foundation',
    tables: ['users', 'user_profiles', 'subscription_tiers', 'storage_usage'],
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
  },
  {
    version: 4,
    name: 'communication',
    tables: ['conversations', 'messages', 'notifications', 'user_subscriptions'],
  },
]

export const VRSS_TABLES: readonly string[] = PHASES.flatMap((phase) => phase.tables)
