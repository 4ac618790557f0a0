// explain never keeps what it runs: every measured query runs in a transaction that is always
// rolled back, read-only unless --allow-writes; files with several statements or with calls
// a rollback cannot undo are refused before anything runs.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { run as explain } from '../../src/commands/explain.js'
import { parseSeedOptions, run as seed } from '../../src/commands/seed.js'
import type { VrssError } from '../../src/lib/errors.js'
import { parseExplainOptions } from '../../src/lib/explain/options.js'
import { migrateTo, testContext } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()
const dir = mkdtempSync(join(tmpdir(), 'vrss-explain-safety-'))
let n = 0
const file = (sql: string) => {
  const path = join(dir, `q${n++}.sql`)
  writeFileSync(path, sql)
  return path
}
const run = (raw: Record<string, unknown>) =>
  explain(parseExplainOptions({ runs: '3', ...raw }, []), testContext(db.sql, db.url))

async function snapshot() {
  const [row] = await db.sql`
    select (select count(*) from posts) as posts,
           (select count(*) from post_interactions) as likes,
           (select sum(likes_count) from posts) as likes_count,
           (select last_value from posts_id_seq) as posts_seq,
           to_regclass('comments') is not null as comments_table`
  return row
}

async function refusal(raw: Record<string, unknown>): Promise<VrssError> {
  try {
    await run(raw)
  } catch (err) {
    return err as VrssError
  }
  throw new Error('expected explain to refuse')
}

beforeAll(async () => {
  await migrateTo(db.sql, db.url)
  await seed(parseSeedOptions({ users: '20' }), testContext(db.sql, db.url))
})

describe('explain --file changes nothing', () => {
  it('refuses a data-modifying query by default, and nothing changed', async () => {
    const before = await snapshot()
    for (const sql of [
      'delete from post_interactions',
      'update posts set likes_count = 0',
      'with gone as (delete from post_interactions returning post_id) select count(*) from gone',
      "insert into post_interactions (user_id, post_id, type) select user_id, id, 'like' from posts on conflict do nothing",
    ]) {
      const err = await refusal({ file: file(sql) })
      expect(err.code).toBe('QUERY_WRITES')
      expect(err.hint).toContain('--allow-writes')
    }
    expect(await snapshot()).toEqual(before)
  })

  it('--allow-writes times a write query but rolls every run back', async () => {
    const before = await snapshot()
    const [liked] = await db.sql`select post_id from post_interactions limit 1`
    const result = await run({
      file: file('delete from post_interactions where post_id = $1 returning id'),
      param: [String(liked?.post_id)],
      target: '1000ms',
      allowWrites: true,
    })
    // Each run sees the same rows: a savepoint undoes every run, so all of them deleted the likes.
    expect(result.timings[0]?.rows).toBeGreaterThan(0)
    expect(result.timings[0]?.plan.nodeTypes).toContain('ModifyTable')
    expect(await snapshot()).toEqual(before)
  })

  it('refuses files with several statements, DDL effects and calls a rollback cannot undo', async () => {
    const before = await snapshot()
    for (const [sql, message] of [
      ['select 1; delete from post_interactions', 'holds 2 statements'],
      ["select setval('posts_id_seq', 1)", 'setval'],
      ["select nextval('posts_id_seq')", 'nextval'],
      ['select pg_terminate_backend(pid) from pg_stat_activity', 'pg_terminate_backend'],
      ['', 'holds no SQL statement'],
      // Spelled so that a text search would miss the call: the plan names it anyway.
      [
        "select E'\\'', pg_terminate_backend(pid) from pg_stat_activity where false",
        'pg_terminate_backend',
      ],
      ['select U&"pg_cancel\\005fbackend"(pg_backend_pid()) where false', 'pg_cancel_backend'],
      ["select '/*', pg_stat_reset(), '*/'", 'pg_stat_reset'],
      [
        "select pg_create_physical_replication_slot('explain_slot')",
        'pg_create_physical_replication_slot',
      ],
      ['do $$ begin perform pg_terminate_backend(pg_backend_pid()); end $$', 'DO statement'],
      ['commit', 'COMMIT statement'],
      ['vacuum posts', 'VACUUM statement'],
      ['call some_procedure()', 'CALL statement'],
    ] as const) {
      const err = await refusal({ file: file(sql) })
      expect(err.exitCode, `${sql}: ${err.message}`).toBe(2)
      expect(err.message).toContain(message)
    }
    // Named in a string or a comment is not a call.
    const ok = await run({ file: file("select 'setval(' as x -- nextval(\n") })
    expect(ok.timings[0]?.rows).toBe(1)
    expect(await snapshot()).toEqual(before)
  })

  it('DDL and inserts that use a sequence are refused, even with --allow-writes', async () => {
    const before = await snapshot()
    expect((await refusal({ file: file('drop table comments cascade') })).message).toContain(
      'DROP statement',
    )
    expect(
      (await refusal({ file: file('truncate post_interactions'), allowWrites: true })).message,
    ).toContain('TRUNCATE statement')
    // An identity column takes its value from a sequence, which no rollback moves back.
    const insert = await refusal({
      file: file(
        "insert into users (username, email, password_hash) values ('x_y_z', 'x@y.z', 'h')",
      ),
      allowWrites: true,
    })
    expect(insert.message).toContain('nextval')
    expect(await snapshot()).toEqual(before)
    const [slots] = await db.sql`select count(*)::int as n from pg_replication_slots`
    expect(slots?.n).toBe(0)
  })

  it('--allow-writes without --file is a usage error', () => {
    expect(() => parseExplainOptions({ allowWrites: true }, [])).toThrow('goes with --file')
  })
})
