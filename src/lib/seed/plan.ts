/**
 * How many rows of each kind `seed --users N` creates. At N = 20 it is the dataset of docs/seed.md;
 * per-user things scale in proportion, and posts and follows grow faster so that N = 10,000 is
 * the MVP scale of docs/performance.md (~500K posts, ~1M follow edges). Past the MVP they grow
 * in proportion again: N = 100,000 is ten times the MVP (~5M posts, ~10M follows, ~37M rows),
 * not the ~97M rows the MVP's growth curve would reach there.
 */
import { apportion } from './random.js'

export interface SeedPlan {
  users: number
  popular: number
  newcomers: number
  suspended: number
  withBackground: number
  withMusic: number
  withBio: number
  posts: number
  postTypes: Record<string, number>
  follows: number
  mutualPairs: number
  /** Feed user kinds of docs/performance.md: how many of each and how many accounts each follows. */
  powerUsers: number
  powerFollowees: number
  typicalUsers: number
  typicalFollowees: number
  sparseUsers: number
  sparseFollowees: number
  likes: number
  comments: number
  reposts: number
  media: number
  nearQuota: number
  customFeeds: number
  usersWithSections: number
  lists: number
  conversations: number
  notifications: number
  subscriptions: number
}

/** docs/seed.md's post mix per 100 posts. */
export const POST_TYPE_SHARES: Record<string, number> = {
  text_short: 20,
  text_long: 20,
  image: 20,
  image_gallery: 10,
  video_short: 15,
  video_long: 5,
  song: 5,
  album: 5,
}

const proportion = (users: number, atTwenty: number) =>
  Math.max(1, Math.round((atTwenty * users) / 20))

/** The MVP scale (docs/performance.md): past it, posts and follows grow with the users. */
export const MVP_USERS = 10_000

/** Posts and follows up to the MVP scale: faster than the users (docs/performance.md, §7). */
function curve(users: number): { posts: number; follows: number } {
  const f = users / 20
  // 100 posts at 20 users → 500,000 at 10,000; 50 follows → 1,000,000.
  const maxEdges = users * (users - 1)
  return {
    posts: Math.round(100 * f ** 1.3705),
    follows: Math.min(Math.round(50 * f ** 1.5936), Math.floor(maxEdges * 0.4)),
  }
}

export function planFor(users: number): SeedPlan {
  const f = users / 20
  const mvp = curve(MVP_USERS)
  const { posts, follows } =
    users <= MVP_USERS
      ? curve(users)
      : {
          posts: Math.round((mvp.posts * users) / MVP_USERS),
          follows: Math.round((mvp.follows * users) / MVP_USERS),
        }
  const popular = proportion(users, 5)
  const newcomers = proportion(users, 3)
  const typesOrder = Object.keys(POST_TYPE_SHARES)
  const typeCounts = apportion(posts, Object.values(POST_TYPE_SHARES))
  return {
    users,
    popular,
    newcomers,
    suspended: proportion(users, 2),
    withBackground: proportion(users, 10),
    withMusic: proportion(users, 5),
    withBio: proportion(users, 15),
    posts,
    postTypes: Object.fromEntries(typesOrder.map((t, i) => [t, typeCounts[i] as number])),
    follows,
    mutualPairs: Math.round(follows / 5),
    powerUsers: Math.max(1, Math.round(users / 2000)),
    powerFollowees: Math.min(5000, Math.floor(users / 2)),
    typicalUsers: Math.max(1, Math.round(users / 100)),
    typicalFollowees: Math.min(200, Math.floor(users / 4)),
    sparseUsers: Math.max(1, Math.round(users / 1000)),
    sparseFollowees: Math.min(50, newcomers),
    likes: posts * 2 + Math.round(posts / 10),
    comments: posts + Math.round(posts / 10),
    reposts: Math.round(posts / 5) + Math.max(0, Math.round(2 * f)),
    media: Math.round(posts / 2),
    nearQuota: proportion(users, 2),
    customFeeds: proportion(users, 10),
    usersWithSections: proportion(users, 15),
    lists: proportion(users, 5),
    conversations: proportion(users, 10),
    notifications: proportion(users, 100),
    subscriptions: proportion(users, 5),
  }
}
