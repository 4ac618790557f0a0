import { describe, expect, it } from 'vitest'
import { assertRunnable, selectPending } from '../../src/lib/migrate/apply.js'
import { type AppliedRow, comparePhases } from '../../src/lib/migrate/bookkeeping.js'
import { concurrentIndexesOf } from '../../src/lib/migrate/concurrent.js'
import { checksumOf, type Migration, normaliseSql } from '../../src/lib/migrate/files.js'
import { planRollback } from '../../src/lib/migrate/rollback-plan.js'

const phase = (version: number, name: string, up = `-- ${name}`): Migration => ({
  version,
  name,
  file: `${String(version).padStart(3, '0')}_${name}.sql`,
  up,
  down: '',
  checksum: checksumOf(up),
  transactional: true,
})

const row = (migration: Pick<Migration, 'version' | 'name' | 'checksum'>): AppliedRow => ({
  version: migration.version,
  name: migration.name,
  checksum: migration.checksum,
  applied_at: new Date('2026-01-02T03:04:05Z'),
  execution_ms: 12,
  applied_by: 'vrss@deploy-1',
})

const phases = [phase(1, 'foundation'), phase(2, 'content'), phase(3, 'features')]

describe('comparePhases', () => {
  it('tells applied, pending, edited and unknown phases apart', () => {
    const edited = { ...(phases[1] as Migration), checksum: checksumOf('-- older text') }
    const status = comparePhases(phases, [
      row(phases[0] as Migration),
      row(edited),
      row({ version: 9, name: 'from_the_future', checksum: 'x' }),
    ])
    expect(status.map((s) => [s.version, s.state])).toEqual([
      [1, 'applied'],
      [2, 'edited'],
      [3, 'pending'],
      [9, 'unknown'],
    ])
  })

  it('carries when, how long and by whom, in the key order status --json prints', () => {
    const [applied, pending] = comparePhases(phases.slice(0, 2), [row(phases[0] as Migration)])
    expect(JSON.stringify(applied)).toBe(
      '{"version":1,"name":"foundation","state":"applied","appliedAt":"2026-01-02T03:04:05.000Z","executionMs":12,"appliedBy":"vrss@deploy-1"}',
    )
    expect(pending).toEqual({ version: 2, name: 'content', state: 'pending' })
  })

  it('names a known phase by its file, an unknown one by its row', () => {
    const renamed = { ...row(phases[0] as Migration), name: 'old_name' }
    expect(comparePhases(phases.slice(0, 1), [renamed])[0]?.name).toBe('foundation')
    const future = { ...renamed, version: 4, name: 'later' }
    expect(comparePhases([], [future])[0]?.name).toBe('later')
  })
})

describe('what migrate runs', () => {
  const status = comparePhases(phases, [row(phases[0] as Migration)])

  it('selects the pending phases up to --phase, in order', () => {
    expect(
      selectPending({ migrations: phases, phase: undefined }, status).map((m) => m.version),
    ).toEqual([2, 3])
    expect(selectPending({ migrations: phases, phase: 2 }, status).map((m) => m.version)).toEqual([
      2,
    ])
    expect(selectPending({ migrations: phases, phase: 1 }, status)).toEqual([])
  })

  it('refuses edited phases (exit 3) unless --accept-edited, and unknown ones always', () => {
    const edited = comparePhases(phases, [row({ ...(phases[0] as Migration), checksum: 'old' })])
    expect(() => assertRunnable(edited, false)).toThrow(/001_foundation were edited/)
    expect(() => assertRunnable(edited, false)).toThrow(expect.objectContaining({ exitCode: 3 }))
    expect(() => assertRunnable(edited, true)).not.toThrow()
    const unknown = comparePhases([], [row({ version: 8, name: 'newer', checksum: 'x' })])
    expect(() => assertRunnable(unknown, true)).toThrow(/phase\(s\) 8 \(newer\) that this vrss-db/)
  })
})

describe('checksum normalisation', () => {
  it('drops a leading BOM only and turns CRLF into LF, leaving lone CR and other text alone', () => {
    expect(normaliseSql('\uFEFFselect 1;\r\n')).toBe('select 1;\n')
    expect(normaliseSql('a\uFEFFb')).toBe('a\uFEFFb')
    expect(normaliseSql('a\rb')).toBe('a\rb')
    expect(normaliseSql('  select 1;  ')).toBe('  select 1;  ')
  })

  it('gives a checksum that ignores line endings but not whitespace or case', () => {
    expect(checksumOf('a\r\nb')).toBe(checksumOf('a\nb'))
    expect(checksumOf('select 1')).not.toBe(checksumOf('select 1 '))
    expect(checksumOf('select 1')).not.toBe(checksumOf('SELECT 1'))
    expect(checksumOf('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  })
})

describe('planRollback', () => {
  const applied = phases.map((m) => row(m))

  it('reverts the phases above --to, newest first', () => {
    const plan = (to: number) =>
      planRollback(applied, { to, migrations: phases }).map((m) => m.version)
    expect(plan(1)).toEqual([3, 2])
    expect(plan(0)).toEqual([3, 2, 1])
    expect(plan(3)).toEqual([])
  })

  it('orders by version whatever order the rows come in', () => {
    const shuffled = [applied[1], applied[2], applied[0]] as AppliedRow[]
    expect(planRollback(shuffled, { to: 0, migrations: phases }).map((m) => m.version)).toEqual([
      3, 2, 1,
    ])
  })

  it('refuses (exit 3) a phase this vrss-db does not know, if it is to be reverted', () => {
    const withUnknown = [...applied, row({ version: 4, name: 'later', checksum: 'x' })]
    expect(() => planRollback(withUnknown, { to: 1, migrations: phases })).toThrow(
      expect.objectContaining({
        exitCode: 3,
        message: 'Phase 4 (later) is not in this vrss-db, so it cannot be rolled back',
      }),
    )
    expect(planRollback(withUnknown, { to: 4, migrations: phases })).toEqual([])
  })
})

describe('concurrentIndexesOf', () => {
  it('names the indexes a phase builds CONCURRENTLY, quoted or not, unique or not', () => {
    const sql = `-- vrss-db:no-transaction
create index concurrently if not exists idx_posts_feed on posts (user_id, created_at desc);
CREATE UNIQUE INDEX CONCURRENTLY "idx_users_email" ON users (lower(email));
create index idx_plain on posts (id);
create or replace function f() returns int language sql as $$ select 1 $$;`
    expect(concurrentIndexesOf(sql)).toEqual(['idx_posts_feed', 'idx_users_email'])
  })

  it('ignores CONCURRENTLY inside comments and other statements', () => {
    const sql = `-- create index concurrently idx_commented on t (a);
drop index concurrently if exists idx_old;
select 'create index concurrently idx_in_string on t (a)';`
    expect(concurrentIndexesOf(sql)).toEqual([])
  })

  it('finds none in a phase without a concurrent build', () => {
    expect(concurrentIndexesOf('create table t (a int);')).toEqual([])
  })
})
