// verify-triggers: passes on a healthy database, names each broken guarantee, leaves no trace.
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { parseSeedOptions, run as seed } from '../../src/commands/seed.js'
import { run as verify } from '../../src/commands/verify-triggers.js'
import { createSql, type Sql } from '../../src/lib/db/connect.js'
import { parseDatabaseUrl } from '../../src/lib/db/target.js'
import { loadMigrations } from '../../src/lib/migrate/files.js'
import { TABLES_WITHOUT_SEQUENCE, VRSS_TABLES } from '../../src/lib/schema/manifest.js'
import { migrateTo, testContext } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'
import { openTransaction } from '../support/open-transaction.js'

const db = useTestDatabase()

async function migrated() {
  const target = await db.createDatabase()
  await migrateTo(target.sql, target.url)
  return target
}

const failures = (result: Awaited<ReturnType<typeof verify>>) =>
  result.proofs.filter((p) => !p.ok).map((p) => `${p.kind}: ${p.name}`)

/** Row counts, counter sums and sequence positions of every VRSS table. */
async function fingerprint(sql: Sql): Promise<string> {
  const parts: string[] = []
  for (const table of VRSS_TABLES) {
    const [row] = await sql.unsafe(
      `select count(*) as n, md5(coalesce(string_agg(t::text, ',' order by t::text), '')) as h from ${table} t`,
    )
    // pending_uploads' ids are the API's UUIDs: no sequence.
    const [seq] = TABLES_WITHOUT_SEQUENCE.includes(table)
      ? [{ last_value: '-', is_called: '-' }]
      : await sql.unsafe(`select last_value, is_called from ${table}_id_seq`)
    parts.push(`${table}:${row?.n}:${row?.h}:${seq?.last_value}:${seq?.is_called}`)
  }
  return parts.join('\n')
}

describe('verify-triggers', () => {
  it('passes every presence, behaviour and concurrency proof on a freshly migrated database', async () => {
    const { sql, url } = await migrated()
    const result = await verify({ concurrency: true }, testContext(sql, url))
    expect(failures(result)).toEqual([])
    expect(result.exitCode).toBe(0)
    expect(result.proofs.filter((p) => p.kind === 'behaviour')).toHaveLength(14)
    expect(result.proofs.filter((p) => p.kind === 'concurrency')).toHaveLength(3)
    const [schemas] =
      await sql`select count(*) as n from pg_namespace where nspname like 'vrss_verify%'`
    expect(schemas?.n).toBe(0)
  })

  it('leaves a seeded database byte-for-byte unchanged: rows, counters and sequences', async () => {
    const { sql, url } = await migrated()
    await seed(parseSeedOptions({ users: '20' }), testContext(sql, url))
    const before = await fingerprint(sql)
    const result = await verify({ concurrency: true }, testContext(sql, url))
    expect(result.failed).toBe(0)
    expect(await fingerprint(sql)).toBe(before)
  })

  it('a dropped likes trigger fails its presence and its behaviour proof (exit 3)', async () => {
    const { sql, url } = await migrated()
    await sql`drop trigger post_interactions_count_likes on post_interactions`
    const result = await verify({ concurrency: false }, testContext(sql, url))
    expect(result.exitCode).toBe(3)
    expect(failures(result)).toEqual([
      'presence: trigger post_interactions.post_interactions_count_likes is present and enabled',
      'behaviour: likes_count counts likes',
      'behaviour: a pending counter delta is read by vrss_post_counts and folded by the next write',
    ])
    const likes = result.proofs.find((p) => p.name === 'likes_count counts likes')
    expect(likes?.expected).toBe(2)
    expect(likes?.actual).toBe(0)
  })

  it('a disabled friendship trigger is reported as disabled and its guarantee as broken', async () => {
    const { sql, url } = await migrated()
    await sql`alter table user_follows disable trigger user_follows_befriend`
    const result = await verify({ concurrency: true }, testContext(sql, url))
    const presence = result.proofs.find((p) => p.name.includes('user_follows_befriend'))
    expect(presence?.error).toContain('disabled')
    expect(failures(result)).toContain(
      'behaviour: mutual follow creates exactly one friendship, kept on unfollow',
    )
    expect(failures(result)).toContain(
      'concurrency: simultaneous mutual follows (100 pairs, both directions at once, 8 connections)',
    )
  })

  it("the planning documents' naive friendship trigger passes alone but fails the concurrency proof", async () => {
    const { sql, url } = await migrated()
    await sql.unsafe(`
      create or replace function vrss_befriend_on_mutual_follow() returns trigger language plpgsql as $$
      begin
        if exists (select 1 from user_follows where follower_id = new.following_id and following_id = new.follower_id) then
          insert into friendships (user_id_1, user_id_2)
          values (least(new.follower_id, new.following_id), greatest(new.follower_id, new.following_id))
          on conflict do nothing;
        end if;
        return null;
      end $$`)
    const plain = await verify({ concurrency: false }, testContext(sql, url))
    expect(plain.failed).toBe(0)
    const raced = await verify({ concurrency: true }, testContext(sql, url))
    expect(failures(raced)).toEqual([
      'concurrency: simultaneous mutual follows (100 pairs, both directions at once, 8 connections)',
    ])
    const proof = raced.proofs.find((p) => p.kind === 'concurrency' && !p.ok)
    expect(Number(proof?.actual)).toBeLessThan(100)
  })

  it('a storage trigger without the quota check fails the quota proofs', async () => {
    const { sql, url } = await migrated()
    await sql.unsafe(`
      create or replace function vrss_apply_storage_delta(owner bigint, kind "MediaType", delta bigint, enforce boolean)
      returns void language plpgsql as $$
      begin
        insert into storage_usage (user_id) values (owner) on conflict (user_id) do nothing;
        update storage_usage set used_bytes = greatest(used_bytes + delta, 0),
          images_bytes = greatest(images_bytes + case when kind = 'image' then delta else 0 end, 0),
          videos_bytes = greatest(videos_bytes + case when kind = 'video' then delta else 0 end, 0),
          audio_bytes = greatest(audio_bytes + case when kind = 'audio' then delta else 0 end, 0),
          other_bytes = greatest(other_bytes + case when kind in ('gif', 'document') then delta else 0 end, 0)
        where user_id = owner;
      end $$`)
    const result = await verify({ concurrency: true }, testContext(sql, url))
    expect(failures(result)).toEqual([
      'behaviour: an upload above the quota is rejected; deletes still work',
      'concurrency: concurrent uploads at the quota edge (40 uploads, 8 connections)',
    ])
  })

  it('proves the applied phases and names the pending ones, whose proofs it skips', async () => {
    const target = await db.createDatabase()
    await migrateTo(target.sql, target.url, { phase: '2' })
    const result = await verify({ concurrency: true }, testContext(target.sql, target.url))
    expect(failures(result)).toEqual([])
    expect(result.exitCode).toBe(0)
    expect(result.skippedPhases).toEqual(
      loadMigrations()
        .filter((m) => m.version > 2)
        .map((m) => `${m.version} ${m.name}`),
    )
    const behaviour = result.proofs.filter((p) => p.kind === 'behaviour').map((p) => p.name)
    expect(behaviour).toHaveLength(10)
    expect(behaviour).not.toContain('conversations.last_message_at is the newest message')
    expect(behaviour).not.toContain(
      'media without a post counts toward its uploader; attaching it changes no total',
    )
    expect(result.proofs.filter((p) => p.kind === 'concurrency')).toHaveLength(3)
  })

  it('an application role that does not own the tables proves everything; only its sequences advance', async () => {
    const { sql, url } = await migrated()
    const before = await fingerprint(sql)
    const app = await roleWith(
      sql,
      url,
      'grant select, insert, update, delete on all tables in schema public to %r; grant usage on all sequences in schema public to %r',
    )
    try {
      const result = await verify({ concurrency: false }, testContext(app.sql, app.url))
      expect(failures(result)).toEqual([])
      expect(result.exitCode).toBe(0)
      expect(result.advancedSequences).toContain('public.users_id_seq')
      // Rows and counters are untouched; only the sequences moved, as any rolled-back insert.
      const rows = (text: string) => text.replace(/:[^:\n]*:[^:\n]*$/gm, '')
      expect(rows(await fingerprint(sql))).toBe(rows(before))
    } finally {
      await app.drop()
    }
  })

  it('a role that may only read cannot run the proofs: exit 1 naming the privilege, not 3', async () => {
    const { sql, url } = await migrated()
    const reader = await roleWith(sql, url, 'grant select on all tables in schema public to %r')
    try {
      const result = await verify({ concurrency: true }, testContext(reader.sql, reader.url))
      expect(result.exitCode).toBe(1)
      expect(result.failed).toBe(0)
      expect(result.couldNotRun?.message).toMatch(
        /^verify-triggers could not run the proof ".*": permission denied for (table|sequence) \w+$/,
      )
      expect(result.couldNotRun?.hint).toContain('Nothing is known to be broken')
      expect(result.proofs.filter((p) => p.kind === 'concurrency')).toEqual([])
    } finally {
      await reader.drop()
    }
  })
  it('an ACCESS EXCLUSIVE lock held by the application: exit 1 naming the table and holder, not 3', async () => {
    const { sql, url } = await migrated()
    const app = db.connectUrl(url, { application_name: 'vrss_test_ddl' })
    const { pid: holderPid, release } = await openTransaction(
      app,
      (tx) => tx`lock table posts in access exclusive mode`,
    )
    try {
      const result = await verify({ concurrency: true }, testContext(sql, url))
      expect(result.exitCode).toBe(1)
      expect(result.failed).toBe(0)
      expect(result.couldNotRun?.message).toContain(
        `waiting for a lock on posts held by pid ${holderPid} (application_name "vrss_test_ddl"`,
      )
      expect(result.proofs.filter((p) => p.couldNotRun)).toHaveLength(1)
    } finally {
      release()
    }
  })
})

/** A login role with the given grants (%r: its name), its own pool, and drop() to remove it. */
async function roleWith(sql: Sql, url: string, grants: string) {
  const role = `vrss_role_${randomBytes(4).toString('hex')}`
  await sql.unsafe(`create role ${role} login password 'role'`)
  await sql.unsafe(grants.replaceAll('%r', role))
  const roleUrl = new URL(url)
  roleUrl.username = role
  roleUrl.password = 'role'
  // The CLI's own connection settings (bigint columns as numbers, as the proofs expect).
  const pool = createSql(parseDatabaseUrl(roleUrl.toString()), {
    max: 2,
    onNotice: () => undefined,
  })
  return {
    sql: pool,
    url: roleUrl.toString(),
    drop: async () => {
      await pool.end({ timeout: 5 })
      await sql.unsafe(`drop owned by ${role}`)
      await sql.unsafe(`drop role ${role}`)
    },
  }
}
