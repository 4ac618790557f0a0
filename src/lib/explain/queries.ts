/**
 * The named queries of `vrss-db explain` (docs/performance.md and two more), their targets, and which
 * subjects each is measured for. The SQL lives in src/sql/explain/*.sql.
 */

export interface Subjects {
  typical: number | null
  power: number | null
  sparse: number | null
  /** Follows 1,000 accounts or more that post the least (at most 2 feed posts each on average). */
  quiet_many: number | null
  friendly: number | null
  notified: number | null
  uploader: number | null
  discussed: number | null
  posts: number
}

export interface Subject {
  label: string
  params: (string | number | readonly string[])[]
}

export interface Variant {
  label: string
  file: string
  /** Shown for comparison; missing its target does not fail the run. */
  reference?: boolean
  /** A function the variant needs and the phase that creates it, checked before timing. */
  requires?: { signature: string; phase: number }
}

export interface NamedQuery {
  name: string
  aliases: string[]
  /** One or more ways of running the query, timed side by side. */
  variants: Variant[]
  targetMs: number
  /** The phases whose tables and functions it reads (checked before anything is timed). */
  phases: readonly number[]
  /** Subjects picked from the data, or the one given with --user. */
  subjects(s: Subjects, user: number | undefined): Subject[]
}

/** The readers `feed` is timed for: the three of docs/performance.md, and phase 9's case. */
const FEED_READERS = [
  ['typical', 'typical reader'],
  ['power', 'power reader'],
  ['sparse', 'sparse reader'],
  ['quiet_many', 'many-quiet reader'],
] as const

const one = (label: string, id: number | null, user: number | undefined): Subject[] =>
  user !== undefined
    ? [{ label: `user ${user}`, params: [user] }]
    : id === null
      ? []
      : [{ label: `${label} ${id}`, params: [id] }]

export const NAMED_QUERIES: NamedQuery[] = [
  {
    name: 'feed',
    aliases: [],
    variants: [
      { label: 'plan', file: 'explain/feed', reference: true },
      {
        label: 'shipped',
        file: 'explain/feed-shipped',
        requires: { signature: 'vrss_feed(bigint,timestamptz,bigint,integer)', phase: 5 },
      },
    ],
    targetMs: 50,
    phases: [2, 5],
    subjects: (s, user) =>
      user !== undefined
        ? [{ label: `user ${user}`, params: [user] }]
        : FEED_READERS.flatMap(([kind, label]) =>
            s[kind] === null ? [] : [{ label: `${label} ${s[kind]}`, params: [s[kind] as number] }],
          ),
  },
  {
    name: 'storage-quota',
    aliases: ['quota'],
    variants: [{ label: '', file: 'explain/storage-quota' }],
    targetMs: 5,
    phases: [1],
    subjects: (s, user) => one('uploader', s.uploader, user),
  },
  {
    name: 'friends',
    aliases: [],
    variants: [{ label: '', file: 'explain/friends' }],
    targetMs: 10,
    phases: [2],
    subjects: (s, user) => one('most friends', s.friendly, user),
  },
  {
    name: 'notification-badge',
    aliases: ['badge'],
    variants: [{ label: '', file: 'explain/notification-badge' }],
    targetMs: 10,
    phases: [4],
    subjects: (s, user) => one('most unread', s.notified, user),
  },
  {
    name: 'custom-feed',
    aliases: [],
    variants: [{ label: '', file: 'explain/custom-feed' }],
    targetMs: 100,
    phases: [2],
    subjects: (s, user) =>
      (user !== undefined ? [user] : s.typical === null ? [] : [s.typical]).map((id) => ({
        label: `${user !== undefined ? 'user' : 'typical reader'} ${id}, videos`,
        params: [id, ['video_short', 'video_long']],
      })),
  },
  {
    name: 'comments',
    aliases: [],
    variants: [{ label: '', file: 'explain/comments' }],
    targetMs: 20,
    phases: [2],
    subjects: (s) =>
      s.discussed === null ? [] : [{ label: `post ${s.discussed}`, params: [s.discussed] }],
  },
  {
    // Phase 8's one read path for exact counters (posts columns + pending deltas), for a page of
    // 20 posts: what the API pays when it shows exact likes/comments/reposts next to a feed page.
    name: 'post-counts',
    aliases: ['counts'],
    variants: [
      {
        label: '',
        file: 'explain/post-counts',
        requires: { signature: 'vrss_post_counts(bigint[])', phase: 8 },
      },
    ],
    targetMs: 5,
    phases: [2],
    subjects: (s) =>
      s.discussed === null
        ? []
        : [{ label: `20 posts from ${s.discussed}`, params: [s.discussed] }],
  },
]

export function findQuery(name: string): NamedQuery | undefined {
  return NAMED_QUERIES.find((q) => q.name === name || q.aliases.includes(name))
}

/** The phases subjects.sql reads: users and storage, posts and friendships, notifications. */
export const SUBJECT_PHASES: readonly number[] = [1, 2, 4]

/** Below this many posts the timings say little about production (docs/performance.md). */
export const MEANINGFUL_POSTS = 100_000
