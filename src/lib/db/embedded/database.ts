/** The commands' database on a freshly started server (initdb only makes `postgres`). */
import postgres from 'postgres'
import { loadSql } from '../sql-files.js'
import type { ConnectionSpec } from '../target.js'

/**
 * Creates `spec.database` unless it exists. A bare admin connection to the `postgres` database:
 * this runs while the server starts, before any command connection exists.
 */
export async function ensureDatabase(spec: ConnectionSpec): Promise<void> {
  const admin = postgres({
    host: spec.host,
    port: spec.port,
    database: 'postgres',
    username: spec.user,
    password: spec.password,
    max: 1,
    onnotice: () => undefined,
  })
  try {
    const [exists] = await admin.unsafe(loadSql('db/database-exists'), [spec.database])
    if (!exists) await admin.unsafe(`create database "${spec.database.replace(/"/g, '""')}"`)
  } finally {
    await admin.end({ timeout: 5 })
  }
}
