/**
 * Minimal valid rows for tests. Each helper inserts one row and returns its id.
 */
import type { Sql } from '../../src/lib/db/connect.js'

type Db = Sql | import('postgres').TransactionSql

let counter = 0
const unique = () => `${process.pid.toString(36)}${(counter++).toString(36)}`

export async function makeUser(sql: Db, name = `user_${unique()}`): Promise<number> {
  const [row] = await sql`
    insert into users (username, email, password_hash)
    values (${name}, ${`${name}@example.test`}, 'x') returning id`
  return row?.id as number
}

export async function makePost(
  sql: Db,
  userId: number,
  { type = 'text_short', status = 'published' }: { type?: string; status?: string } = {},
): Promise<number> {
  const [row] = await sql`
    insert into posts (user_id, type, status, content, published_at)
    values (${userId}, ${type}, ${status}, 'hello', now()) returning id`
  return row?.id as number
}

export async function makeComment(
  sql: Db,
  postId: number,
  userId: number,
  parent: number | null = null,
) {
  const [row] = await sql`
    insert into comments (post_id, user_id, parent_comment_id, content)
    values (${postId}, ${userId}, ${parent}, 'nice') returning id`
  return row?.id as number
}

export async function makeMedia(
  sql: Db,
  postId: number,
  userId: number,
  bytes: number,
  type = 'image',
): Promise<number> {
  const [row] = await sql`
    insert into post_media (post_id, user_id, type, file_url, file_size_bytes, mime_type)
    values (${postId}, ${userId}, ${type}, 'https://cdn.example/f', ${bytes}, 'image/png')
    returning id`
  return row?.id as number
}

export async function storageOf(sql: Db, userId: number) {
  const [row] = await sql`
    select used_bytes, quota_bytes, images_bytes, videos_bytes, audio_bytes, other_bytes
    from storage_usage where user_id = ${userId}`
  return row as
    | {
        used_bytes: number
        quota_bytes: number
        images_bytes: number
        videos_bytes: number
        audio_bytes: number
        other_bytes: number
      }
    | undefined
}

export async function postCounters(sql: Db, postId: number) {
  const [row] =
    await sql`select likes_count, comments_count, reposts_count from posts where id = ${postId}`
  return row as { likes_count: number; comments_count: number; reposts_count: number }
}
