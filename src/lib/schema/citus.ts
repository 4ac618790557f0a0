/**
 * The Citus plan as data (docs/scaling.md explains each choice): where every VRSS table goes once
 * the platform outgrows one server, and the fix the plan proposes for each constraint and trigger
 * that would not survive distribution as it is. `status --citus-readiness` checks the live schema
 * against it (citus-check.ts). A table a new phase adds must be added here too: a unit test
 * fails while the manifest has a table this plan lacks.
 */
import { VRSS_TABLES } from './manifest.js'

/**
 * A distributed table is hash-sharded by `column`; tables of one `group` use the same shards
 * for the same value (co-located), so joins, foreign keys and triggers between them stay on one
 * node. A reference table is copied whole to every node.
 */
export type Placement =
  | { kind: 'distributed'; column: string; group: string }
  | { kind: 'reference' }

export interface TablePlan {
  placement: Placement
  /** Why this placement (one line; docs/scaling.md has the long form). */
  why: string
  /** When the distribution column does not exist yet: how it is added and filled. */
  addColumn?: string
  /** The plan's fix for a named constraint or index that would break, by its name. */
  fixes?: Readonly<Record<string, string>>
}

/**
 * What becomes of a trigger function once its table is distributed:
 * - `setting`: it only touches its own row, or rows on the same shard through statements keyed
 *   by the distribution value: it works as it is, created with citus.enable_unsafe_triggers;
 * - `rewrite`: it touches co-located rows but finds them without the distribution column, so it
 *   must be rewritten to stay on its shard;
 * - `breaks`: it reaches rows on other shards; the guarantee is kept another way.
 */
export interface TriggerFunctionPlan {
  effect: 'setting' | 'rewrite' | 'breaks'
  reason: string
  fix: string
}

const USER = 'user'
const byUser = (column: string): Placement => ({ kind: 'distributed', column, group: USER })

/** Dropped foreign keys to users: a job deletes what pointed at a deleted account. */
const userCleanup = (what: string) =>
  `drop it: the user's row is on another shard; deleting an account also deletes ${what} (a multi-shard DELETE in the same transaction, or the account-deletion job)`

const POST_AUTHOR_COLUMN =
  "add post_user_id bigint not null (the post's author), filled from posts.user_id and written by the API with post_id"

export const CITUS_TABLES: Readonly<Record<string, TablePlan>> = {
  users: {
    placement: byUser('id'),
    why: 'the account is the unit everything else hangs off; profile pages, storage and sessions look it up by id',
    fixes: {
      users_username_key:
        'keep usernames unique in a reference table user_handles (username unique, email unique, user_id), written in the transaction that creates or renames the account; logins read it on any node',
      users_email_key:
        'keep email uniqueness in the reference table user_handles (email unique, user_id), written in the same transaction as the account; login looks the email up there, then reads users by id',
    },
  },
  user_profiles: { placement: byUser('user_id'), why: "one per user, read with the user's page" },
  subscription_tiers: {
    placement: { kind: 'reference' },
    why: 'four rows of reference data, read by every storage quota check',
  },
  storage_usage: {
    placement: byUser('user_id'),
    why: "one per user, updated by the user's uploads",
  },
  sessions: {
    placement: { kind: 'distributed', column: 'token', group: 'token' },
    why: 'every API request looks its session up by token',
    fixes: {
      sessions_user_id_fkey: userCleanup("the user's sessions (idx_sessions_user)"),
    },
  },
  verification_tokens: {
    placement: { kind: 'distributed', column: 'token', group: 'token' },
    why: 'looked up by token (and identifier) when an address is verified',
  },
  pending_uploads: {
    placement: byUser('user_id'),
    why: "checked against the uploader's storage quota when the upload completes",
  },
  posts: {
    placement: byUser('user_id'),
    why: "a profile page lists one author's posts; the feed asks the shards of the followees only",
  },
  post_media: {
    placement: byUser('user_id'),
    why: "the uploader's storage row is on the same shard, so the quota trigger stays local",
    fixes: {
      post_media_post_id_fkey:
        "make it (user_id, post_id) → posts (user_id, id): media are attached to the uploader's own posts, so the pair holds",
    },
  },
  user_follows: {
    placement: byUser('follower_id'),
    why: "the feed reads the reader's followees; listing someone's followers asks every shard",
    fixes: {
      user_follows_following_id_fkey: userCleanup('the follows of that account'),
    },
  },
  friendships: {
    placement: byUser('user_id_1'),
    why: 'one row per pair on the shard of the lower id, next to the follow_pairs row that makes it',
    fixes: {
      friendships_user_id_2_fkey: userCleanup("the account's friendships"),
    },
  },
  post_interactions: {
    placement: byUser('post_user_id'),
    why: "next to the post, so the like counter is a local update; a user's bookmarks list asks every shard",
    addColumn: POST_AUTHOR_COLUMN,
    fixes: {
      post_interactions_user_id_fkey: userCleanup("the account's likes, bookmarks and shares"),
    },
  },
  comments: {
    placement: byUser('post_user_id'),
    why: "next to the post: the post's comment thread and both comment counters stay on one shard",
    addColumn: POST_AUTHOR_COLUMN,
    fixes: {
      comments_user_id_fkey: userCleanup("the account's comments"),
    },
  },
  post_counter_deltas: {
    placement: byUser('post_user_id'),
    why: 'pending counter changes of a post, next to the post so the fold is a local delete and update',
    addColumn: POST_AUTHOR_COLUMN,
  },
  reposts: {
    placement: byUser('post_user_id'),
    why: "next to the post, so the repost counter is a local update; a user's reposts list asks every shard",
    addColumn: POST_AUTHOR_COLUMN,
    fixes: {
      reposts_user_id_fkey: userCleanup("the account's reposts"),
    },
  },
  profile_sections: { placement: byUser('user_id'), why: "read with the owner's profile page" },
  section_content: {
    placement: byUser('user_id'),
    why: 'read with its section',
    addColumn:
      "add user_id bigint not null (the section's owner), filled from profile_sections.user_id",
  },
  custom_feeds: { placement: byUser('user_id'), why: "a user's own feed definitions" },
  feed_filters: {
    placement: byUser('user_id'),
    why: 'read with its feed',
    addColumn: "add user_id bigint not null (the feed's owner), filled from custom_feeds.user_id",
  },
  user_lists: { placement: byUser('user_id'), why: "a user's own lists" },
  list_members: {
    placement: byUser('user_id'),
    why: 'read with its list',
    addColumn: "add user_id bigint not null (the list's owner), filled from user_lists.user_id",
    fixes: {
      list_members_member_user_id_fkey: userCleanup('their list memberships'),
    },
  },
  conversations: {
    placement: { kind: 'distributed', column: 'id', group: 'conversation' },
    why: 'a conversation has no single owner; its messages live with it',
  },
  messages: {
    placement: { kind: 'distributed', column: 'conversation_id', group: 'conversation' },
    why: 'read and written per conversation; last_message_at is updated on the same shard',
    fixes: {
      messages_sender_id_fkey: userCleanup("the account's messages"),
    },
  },
  notifications: {
    placement: byUser('user_id'),
    why: "the unread badge and the list read one recipient's rows",
    fixes: {
      notifications_actor_id_fkey: userCleanup('the notifications it caused'),
      notifications_post_id_fkey:
        "drop it: the post is on its author's shard, not the recipient's; deleting a post also deletes its notifications (multi-shard DELETE by post_id), and the API skips a notification whose post is gone",
      notifications_comment_id_fkey:
        "drop it: the comment is on the post author's shard; deleting a comment also deletes its notifications (multi-shard DELETE by comment_id)",
    },
  },
  user_subscriptions: {
    placement: byUser('user_id'),
    why: "a user's billing rows; tier_id points into a reference table",
  },
  feed_timeline_readers: {
    placement: byUser('reader_id'),
    why: "one row per enrolled reader, on the reader's shard next to their follows",
  },
  feed_timeline_sources: {
    placement: byUser('reader_id'),
    why: "the enrolled reader's follow edges, next to their user_follows rows; a new post's fan-out asks every shard by author_id",
  },
  feed_timeline_entries: {
    placement: byUser('reader_id'),
    why: "the reader's timeline on the reader's shard: a page is one local index range",
  },
}

const COUNTER_REWRITE = (counter: string, column: string) =>
  `pass ${column} along and update \`posts … where user_id = ${column} and id = post_id\`: the update stays on the shard, and ${counter} and its row lock work as today`

export const CITUS_TRIGGER_FUNCTIONS: Readonly<Record<string, TriggerFunctionPlan>> = {
  vrss_set_updated_at: {
    effect: 'setting',
    reason: 'touches only the row being updated',
    fix: 'keep it: create it with SET citus.enable_unsafe_triggers = on (the function is propagated to the workers)',
  },
  vrss_posts_set_updated_at: {
    effect: 'setting',
    reason: 'touches only the row being updated',
    fix: 'keep it: create it with SET citus.enable_unsafe_triggers = on',
  },
  vrss_comments_set_updated_at: {
    effect: 'setting',
    reason: 'touches only the row being updated',
    fix: 'keep it: create it with SET citus.enable_unsafe_triggers = on',
  },
  vrss_create_storage_row: {
    effect: 'setting',
    reason:
      "inserts the storage row keyed by the new user's id, the distribution value of both tables, and reads the Free tier from a reference table",
    fix: 'keep it: create it with SET citus.enable_unsafe_triggers = on',
  },
  vrss_track_storage: {
    effect: 'setting',
    reason:
      'updates storage_usage keyed by user_id, the distribution column of both tables: the quota check and the storage row lock stay on one shard (moving media to another user becomes impossible: Citus refuses to change a distribution column)',
    fix: 'keep it: create it with SET citus.enable_unsafe_triggers = on',
  },
  vrss_touch_conversation: {
    effect: 'setting',
    reason:
      "updates the conversation keyed by conversation_id, the messages' distribution column: the same shard",
    fix: 'keep it: create it with SET citus.enable_unsafe_triggers = on',
  },
  vrss_count_likes: {
    effect: 'rewrite',
    reason: 'updates posts by id alone, which Citus cannot route to the local shard',
    fix: COUNTER_REWRITE('likes_count', 'post_user_id'),
  },
  vrss_count_reposts: {
    effect: 'rewrite',
    reason: 'updates posts by id alone, which Citus cannot route to the local shard',
    fix: COUNTER_REWRITE('reposts_count', 'post_user_id'),
  },
  vrss_count_comments: {
    effect: 'rewrite',
    reason: 'updates posts and the parent comment by id alone',
    fix: `${COUNTER_REWRITE('comments_count', 'post_user_id')}; the parent comment likewise (same post, same shard)`,
  },
  vrss_timeline_add_post: {
    effect: 'breaks',
    reason:
      "a post on its author's shard writes entries on the shards of its enrolled followers, found in feed_timeline_sources by author_id (every shard)",
    fix: "fan out in the transaction that writes the post: the API runs INSERT INTO feed_timeline_entries SELECT … FROM feed_timeline_sources WHERE author_id = the author (Citus routes each row to its reader's shard), so the post and its entries still commit together",
  },
  vrss_timeline_follow: {
    effect: 'breaks',
    reason:
      "the reader's source and entries are on the follower's shard, but the followee's posts it copies are on the followee's shard",
    fix: "keep the source and the unfollow's deletes in the trigger (same shard; citus.enable_unsafe_triggers); the copy of the followee's posts since the horizon becomes an INSERT … SELECT from posts WHERE user_id = the followee, run by the API in the follow's transaction",
  },
  vrss_befriend_on_mutual_follow: {
    effect: 'breaks',
    reason:
      "reads the reverse follow on the other user's shard and writes friendships on the shard of the lower id",
    fix: 'record each follow also in follow_pairs (one row per pair, distributed by the lower id, co-located with friendships) with INSERT … ON CONFLICT (user_id_1, user_id_2) DO UPDATE setting this direction; the row lock replaces the advisory lock, and a shard-local trigger on follow_pairs inserts the friendship once both directions are set',
  },
}

export interface CitusPlan {
  tables: Readonly<Record<string, TablePlan>>
  triggerFunctions: Readonly<Record<string, TriggerFunctionPlan>>
  /** The tables that must be in the plan (the manifest's); other tables are not VRSS's. */
  required: readonly string[]
}

export const CITUS_PLAN: CitusPlan = {
  tables: CITUS_TABLES,
  triggerFunctions: CITUS_TRIGGER_FUNCTIONS,
  required: VRSS_TABLES,
}
