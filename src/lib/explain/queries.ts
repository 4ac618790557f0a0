/**
 * The named queries of `vrss-db explain` (SPEC §6 and two more), their targets, and which
 * subjects each is measured for. The SQL lives in src/sql/explain/*.sql.
 */

export interface Subjects {
  typical: number | null
  power: number | null
  sparse: number | null
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

export interface NamedQuery {
  name: string
  aliases: string[]
  file: string
  targetMs: number
  /** Subjects picked from the data, or the one given with --user. */
  subjects(s: Subjects, user: number | undefined): Subject[]
}

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
    file: 'explain/feed',
    targetMs: 50,
    subjects: (s, user) =>
      user !== undefined
        ? [{ label: `user ${user}`, params: [user] }]
        : (['typical', 'power', 'sparse'] as const).flatMap((kind) =>
            s[kind] === null
              ? []
              : [{ label: `${kind} reader ${s[kind]}`, params: [s[kind] as number] }],
          ),
  },
  {
    name: 'storage-quota',
    aliases: ['quota'],
    file: 'explain/storage-quota',
    targetMs: 5,
    subjects: (s, user) => one('uploader', s.uploader, user),
  },
  {
    name: 'friends',
    aliases: [],
    file: 'explain/friends',
    targetMs: 10,
    subjects: (s, user) => one('most friends', s.friendly, user),
  },
  {
    name: 'notification-badge',
    aliases: ['badge'],
    file: 'explain/notification-badge',
    targetMs: 10,
    subjects: (s, user) => one('most unread', s.notified, user),
  },
  {
    name: 'custom-feed',
    aliases: [],
    file: 'explain/custom-feed',
    targetMs: 100,
    subjects: (s, user) =>
      (user !== undefined ? [user] : s.typical === null ? [] : [s.typical]).map((id) => ({
        label: `videos for ${user !== undefined ? 'user' : 'typical reader'} ${id}`,
        params: [id, ['video_short', 'video_long']],
      })),
  },
  {
    name: 'comments',
    aliases: [],
    file: 'explain/comments',
    targetMs: 20,
    subjects: (s) =>
      s.discussed === null ? [] : [{ label: `post ${s.discussed}`, params: [s.discussed] }],
  },
]

export function findQuery(name: string): NamedQuery | undefined {
  return NAMED_QUERIES.find((q) => q.name === name || q.aliases.includes(name))
}

/** Below this many posts the timings say little about production (SPEC §6). */
export const MEANINGFUL_POSTS = 100_000
