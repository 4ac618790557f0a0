/**
 * What a behavioural proof is written with: fixture rows made inside its transaction, and
 * expectEqual, whose ProofFailure says which check found what instead of what.
 */
import type { TransactionSql } from '../db/connect.js'

export class ProofFailure extends Error {
  constructor(
    readonly check: string,
    readonly expected: unknown,
    readonly actual: unknown,
  ) {
    super(`${check}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
  }
}

export function expectEqual(check: string, expected: unknown, actual: unknown): void {
  if (JSON.stringify(expected) !== JSON.stringify(actual))
    throw new ProofFailure(check, expected, actual)
}

/** Fixture rows inside the proof's transaction. */
export class Fixtures {
  private n = 0
  constructor(private readonly tx: TransactionSql) {}

  async user(): Promise<number> {
    const name = `vrss_verify_${process.pid}_${this.n++}`
    const [row] = await this.tx`
      insert into users (username, email, password_hash)
      values (${name}, ${`${name}@verify.invalid`}, 'x') returning id`
    return row?.id as number
  }

  async post(userId: number): Promise<number> {
    const [row] = await this.tx`
      insert into posts (user_id, type, content, published_at)
      values (${userId}, 'text_short', 'verify', now()) returning id`
    return row?.id as number
  }

  async comment(postId: number, userId: number, parent: number | null = null): Promise<number> {
    const [row] = await this.tx`
      insert into comments (post_id, user_id, parent_comment_id, content)
      values (${postId}, ${userId}, ${parent}, 'verify') returning id`
    return row?.id as number
  }

  async media(postId: number | null, userId: number, bytes: number, type: string): Promise<number> {
    const [row] = await this.tx`
      insert into post_media (post_id, user_id, type, file_url, file_size_bytes, mime_type)
      values (${postId}, ${userId}, ${type}, 'https://verify.invalid/f', ${bytes}, 'x/y')
      returning id`
    return row?.id as number
  }

  async counters(postId: number) {
    const [row] = await this.tx`
      select likes_count, comments_count, reposts_count from posts where id = ${postId}`
    return row as { likes_count: number; comments_count: number; reposts_count: number }
  }

  async storage(userId: number) {
    const [row] = await this.tx`
      select used_bytes, images_bytes, videos_bytes, audio_bytes, other_bytes, quota_bytes
      from storage_usage where user_id = ${userId}`
    return row
  }
}
