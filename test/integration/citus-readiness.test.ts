// The Citus readiness check on the real migrated schema: what the plan must change is found in
// the catalog, tables that are not VRSS's are ignored, and nothing is written.
import { beforeAll, describe, expect, it } from 'vitest'
import { CITUS_TABLES } from '../../src/lib/schema/citus.js'
import { citusReadiness } from '../../src/lib/schema/citus-readiness.js'
import { VRSS_TABLES } from '../../src/lib/schema/manifest.js'
import { migrateTo } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()

beforeAll(async () => {
  await migrateTo(db.sql, db.url)
})

const find = async (table: string, name: string) => {
  const readiness = await citusReadiness({ sql: db.sql })
  return readiness.items.find((i) => i.table === table && i.name === name)
}

describe('citusReadiness on the migrated schema', () => {
  it('checks every VRSS table, all of them in the plan', async () => {
    const readiness = await citusReadiness({ sql: db.sql })
    expect(readiness.tablesChecked).toBe(VRSS_TABLES.length)
    expect(readiness.items.filter((i) => i.kind === 'table')).toEqual([])
    const total = Object.values(readiness.counts).reduce((a, b) => a + b, 0)
    expect(total).toBe(readiness.items.length)
  })

  it("reports users' email uniqueness, which does not contain the distribution column id", async () => {
    expect(await find('users', 'users_email_key')).toEqual({
      table: 'users',
      kind: 'unique constraint',
      name: 'users_email_key',
      effect: 'blocks',
      reason:
        'unique constraint users_email_key on users(email) does not contain the distribution column id',
      fix: CITUS_TABLES.users?.fixes?.users_email_key,
    })
  })

  it('reports the follows → friendships trigger as a lost guarantee, advisory lock included', async () => {
    const item = await find('user_follows', 'user_follows_befriend')
    expect(item).toMatchObject({ kind: 'trigger', effect: 'breaks' })
    expect(item?.reason).toContain('vrss_befriend_on_mutual_follow()')
    expect(item?.reason).toContain('advisory lock is per node')
    expect(item?.fix).toContain('follow_pairs')
  })

  it('sees what the counter triggers reach through the function they call', async () => {
    const item = await find('post_interactions', 'post_interactions_count_likes')
    expect(item).toMatchObject({ effect: 'rewrite' })
    expect(item?.fix).toContain('post_user_id')
  })

  it('keeps the foreign keys the plan co-locates, and reports the others', async () => {
    const readiness = await citusReadiness({ sql: db.sql })
    const foreignKeys = readiness.items.filter((i) => i.kind === 'foreign key').map((i) => i.name)
    expect(foreignKeys).toContain('comments_post_id_fkey')
    expect(foreignKeys).toContain('user_follows_following_id_fkey')
    expect(foreignKeys).not.toContain('posts_user_id_fkey')
    // To a reference table.
    expect(foreignKeys).not.toContain('user_subscriptions_tier_id_fkey')
    // The column the plan distributes by does not exist yet.
    expect(await find('comments', 'post_user_id')).toMatchObject({
      kind: 'column',
      effect: 'blocks',
    })
  })

  it('ignores tables that are not VRSS, and reports a trigger function the plan does not know', async () => {
    await db.sql.unsafe(`
      create table citus_probe (id serial primary key, email text unique);
      create function vrss_probe_touch() returns trigger language plpgsql as
        $$ begin update posts set views_count = views_count + 1 where id = new.id; return new; end $$;
      create trigger posts_probe after insert on posts for each row execute function vrss_probe_touch();`)
    try {
      const readiness = await citusReadiness({ sql: db.sql })
      expect(readiness.items.filter((i) => i.table === 'citus_probe')).toEqual([])
      const probe = readiness.items.find((i) => i.name === 'posts_probe')
      expect(probe).toMatchObject({ effect: 'rewrite' })
      expect(probe?.reason).toContain('not in the Citus plan')
    } finally {
      await db.sql.unsafe(`
        drop trigger posts_probe on posts;
        drop function vrss_probe_touch();
        drop table citus_probe;`)
    }
  })

  it('runs in a read-only transaction', async () => {
    const readiness = await db.sql.begin(async (tx) => {
      await tx.unsafe('set transaction read only')
      return citusReadiness({ sql: tx as unknown as typeof db.sql })
    })
    expect(readiness.items.length).toBeGreaterThan(0)
  })
})
