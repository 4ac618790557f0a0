// seed --append next to a live application, and what a rejected COPY reports.
import { describe, expect, it } from 'vitest'
import { parseSeedOptions, run as seed } from '../../src/commands/seed.js'
import type { Sql } from '../../src/lib/db/connect.js'
import { Dataset } from '../../src/lib/seed/dataset.js'
import { loadDataset } from '../../src/lib/seed/load.js'
import { migrateTo, testContext } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'
import { NO_DRIFT } from '../support/seed.js'

const db = useTestDatabase()

/** The application: users and their posts, one transaction each, ids from the sequences. */
function application(sql: Sql) {
  let running = true
  let inserted = 0
  const errors: string[] = []
  const loop = (async () => {
    for (let n = 0; running; n++) {
      try {
        await sql.begin(async (tx) => {
          const [user] = await tx`
            insert into users (username, email, password_hash)
            values (${`app_${n}`}, ${`app_${n}@app.invalid`}, 'x') returning id`
          await tx`
            insert into posts (user_id, type, content, published_at)
            values (${user?.id}, 'text_short', 'from the app', now())`
        })
        inserted++
      } catch (err) {
        errors.push((err as Error).message)
        if (errors.length > 100) running = false
      }
    }
  })()
  return {
    inserted: () => inserted,
    stop: async () => {
      running = false
      await loop
      return errors
    },
  }
}

describe('seed --append while the application writes', () => {
  it('both succeed: the seed reserves its ids, nobody gets a duplicate key', async () => {
    const { sql, url } = await db.createDatabase()
    await migrateTo(sql, url)
    await seed(parseSeedOptions({ users: '20' }), testContext(sql, url))
    const app = application(db.connectUrl(url))
    // Let the application get going, so that it writes while the seed generates and loads.
    for (let i = 0; i < 500 && app.inserted() < 20; i++)
      await new Promise((resolve) => setTimeout(resolve, 10))
    expect(app.inserted()).toBeGreaterThanOrEqual(20)
    const before = app.inserted()
    const seeded = await seed(
      parseSeedOptions({ users: '300', append: true, seed: '7' }),
      testContext(sql, url),
    )
    const during = app.inserted() - before
    const errors = await app.stop()
    expect(errors).toEqual([])
    expect(during).toBeGreaterThan(0)
    const [users] = await sql`select count(*)::int as n from users`
    expect(users?.n).toBe(20 + 300 + app.inserted())
    const [posts] = await sql`
      select count(*)::int as n from posts where content = 'from the app'`
    expect(posts?.n).toBe(app.inserted())
    expect(seeded.drift).toEqual(NO_DRIFT)
    // The sequences are past every id, so the application's next insert works too.
    await sql`insert into users (username, email, password_hash) values ('after', 'after@app.invalid', 'x')`
  })
})

describe("a rejected COPY reports the server's error", () => {
  const columns = ['id', 'username', 'email', 'password_hash'] as const
  const options = { emptyTables: false, seed: 1, users: 1, lockTimeoutMs: 1000 }

  async function conflicting(sql: Sql, rows: number): Promise<Dataset> {
    await sql`insert into users (username, email, password_hash) values ('taken', 'taken@x.invalid', 'x') on conflict do nothing`
    const ds = new Dataset()
    const users = ds.table('users', columns)
    users.rows.push([900_000, 'taken', 'other@x.invalid', 'x'])
    for (let i = 1; i < rows; i++)
      users.rows.push([900_000 + i, `bulk_${i}`, `bulk_${i}@x.invalid`, 'x'])
    return ds
  }

  it.each([
    ['one row (rejected after the last chunk)', 1],
    ['the first of 60,000 rows (rejected mid-stream)', 60_000],
  ])('%s', async (_, rows) => {
    const { sql, url } = await db.createDatabase()
    await migrateTo(sql, url)
    const err = await loadDataset(sql, await conflicting(sql, rows), options).then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    expect(err?.message).toContain('duplicate key value violates unique constraint')
    const [left] = await sql`select count(*)::int as n from users`
    expect(left?.n).toBe(1)
  })
})
