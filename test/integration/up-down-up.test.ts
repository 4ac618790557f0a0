// Up, down, up, for every phase (the embedded ones, so a new phase is covered the day it is
// added): with all phases applied, roll back to N-1 and apply again, for N from the last down
// to 1. Each rollback must leave exactly the catalog of a fresh apply of phases 1..N-1, and each
// re-apply exactly the catalog of a fresh apply of them all (the drift comparison is empty).
import { describe, expect, it } from 'vitest'
import { run as rollback } from '../../src/commands/rollback.js'
import { silent } from '../../src/lib/core.js'
import type { Sql } from '../../src/lib/db/connect.js'
import { loadMigrations } from '../../src/lib/migrate/files.js'
import { type CatalogSnapshot, readCatalog } from '../../src/lib/schema/catalog.js'
import { compareCatalogs } from '../../src/lib/schema/drift.js'
import { checkDrift } from '../../src/lib/schema/expected.js'
import { migrateTo, testContext } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()
const migrations = loadMigrations()

/**
 * Both ways, so an object only one side has fails the test too (but schema_migrations, which
 * the first migrate creates and a rollback keeps).
 */
function expectSameCatalog(actual: CatalogSnapshot, expected: CatalogSnapshot, when: string) {
  const comparison = compareCatalogs(expected, actual)
  expect(comparison.differences, when).toEqual([])
  const extra = comparison.extra.filter((o) => !o.name.startsWith('schema_migrations'))
  expect(extra, when).toEqual([])
}

/** The catalog a fresh apply of phases 1..n gives, for each n (index 0: nothing applied). */
async function freshCatalogs(sql: Sql, url: string): Promise<CatalogSnapshot[]> {
  const catalogs = [await readCatalog(sql, 'public')]
  for (const migration of migrations) {
    await migrateTo(sql, url, { phase: String(migration.version) })
    catalogs.push(await readCatalog(sql, 'public'))
  }
  return catalogs
}

describe('up, down, up', () => {
  it('every phase rolls back to the catalog before it and applies again to a fresh apply’s', async () => {
    const fresh = await freshCatalogs(db.sql, db.url)
    const last = fresh[migrations.length] as CatalogSnapshot
    const target = await db.createDatabase()
    const ctx = testContext(target.sql, target.url)
    await migrateTo(target.sql, target.url)
    for (let n = migrations.length; n >= 1; n--) {
      const down = await rollback(
        {
          migrations,
          lockWaitMs: 5000,
          lockTimeoutMs: 5000,
          to: n - 1,
          force: true,
          yes: true,
        },
        ctx,
      )
      expect(down.reverted.map((p) => p.version)).toEqual(
        migrations
          .filter((m) => m.version >= n)
          .map((m) => m.version)
          .reverse(),
      )
      expectSameCatalog(
        await readCatalog(target.sql, 'public'),
        fresh[n - 1] as CatalogSnapshot,
        `after rolling back to ${n - 1}`,
      )
      const up = await migrateTo(target.sql, target.url)
      expect(up.applied.map((p) => p.version)).toEqual(
        migrations.filter((m) => m.version >= n).map((m) => m.version),
      )
      expectSameCatalog(
        await readCatalog(target.sql, 'public'),
        last,
        `after applying ${n}..${migrations.length} again`,
      )
    }
    // And against a scratch database built by the drift core itself.
    const drift = await checkDrift(
      ctx,
      { phases: migrations, schema: 'public', bookkeeping: [], all: false },
      silent,
    )
    expect(drift.checked && drift.differences).toEqual([])
  })
})
