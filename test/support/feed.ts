/**
 * Helpers of the feed tests (phase 9's walk, phase 10's timelines): accounts and follows made in
 * bulk, the plan's feed query, and a page-by-page comparison of vrss_feed with it.
 */
import { expect } from 'vitest'
import type { Sql } from '../../src/lib/db/connect.js'

export type Cursor = { at: Date; id: number }

/** Users named `${prefix}_1..n`; returns their ids, ascending. */
export async function makeUsers(sql: Sql, prefix: string, n: number): Promise<number[]> {
  const rows = await sql`
    insert into users (username, email, password_hash)
    select ${prefix} || '_' || g, ${prefix} || '_' || g || '@feed.test', 'x'
    from generate_series(1, ${n}::int) g returning id`
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b)
}

export async function follow(sql: Sql, reader: number, ids: number[]): Promise<void> {
  await sql`
    insert into user_follows (follower_id, following_id)
    select ${reader}, unnest(${ids}::bigint[])`
}

/** The plan's feed query: the ids of one page after `cursor`. */
export async function planFeed(
  sql: Sql,
  reader: number,
  cursor?: Cursor,
  size = 20,
): Promise<number[]> {
  const at = cursor ? cursor.at : null
  const rows = await sql`
    select id from posts
    where user_id in (select following_id from user_follows where follower_id = ${reader})
      and status = 'published' and deleted_at is null
      and (${at}::timestamptz is null or (created_at, id) < (${at}::timestamptz, ${cursor ? cursor.id : null}::bigint))
    order by created_at desc, id desc
    limit ${size}`
  return rows.map((r) => Number(r.id))
}

/** Pages through vrss_feed, comparing each page with the plan's query; returns the rows seen. */
export async function expectSameFeed(sql: Sql, reader: number, pages: number): Promise<number> {
  let cursor: Cursor | undefined
  let seen = 0
  for (let page = 0; page < pages; page++) {
    const shipped = (await sql`
      select id, created_at from vrss_feed(${reader}, ${cursor ? cursor.at : null}, ${cursor ? cursor.id : null})`) as unknown as {
      id: number
      created_at: Date
    }[]
    expect(
      shipped.map((r) => Number(r.id)),
      `reader ${reader}, page ${page}`,
    ).toEqual(await planFeed(sql, reader, cursor))
    seen += shipped.length
    const last = shipped[shipped.length - 1]
    if (!last) break
    cursor = { at: last.created_at, id: Number(last.id) }
  }
  return seen
}
