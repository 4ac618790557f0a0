// Paired with harness-a.test.ts: if the two files shared a database, one would see the other's table.
import { describe, expect, it } from 'vitest'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()

describe('test harness (b)', () => {
  it('gives this file its own, empty database', async () => {
    const [row] = await db.sql`select current_database() as name`
    expect(row?.name).toBe(db.name)
    await db.sql`create table harness_marker_b (id int)`
    // Wait long enough for the other file to have created its marker if the database were shared.
    await new Promise((resolve) => setTimeout(resolve, 300))
    const tables = await db.sql`
      select tablename from pg_tables where schemaname = 'public' order by tablename`
    expect(tables.map((t) => t.tablename)).toEqual(['harness_marker_b'])
  })
})
