/**
 * One fresh database per test file, created on the run's backend and dropped afterwards.
 */
import { randomBytes } from 'node:crypto'
import postgres from 'postgres'
import { afterAll, beforeAll, inject } from 'vitest'
import { createSql, type Sql } from '../../src/lib/db/connect.js'
import { parseDatabaseUrl } from '../../src/lib/db/target.js'

export interface TestDatabase {
  /** URL of this file's own database (with password: pass it to the CLI, never print it). */
  readonly url: string
  readonly name: string
  /** A pooled connection to it, opened in beforeAll and closed in afterAll. */
  readonly sql: Sql
  /** Opens another independent pool (for concurrency tests); closed in afterAll. */
  connect(max?: number): Sql
  /** A pool to any URL (another user, another application_name); closed in afterAll. */
  connectUrl(url: string, connection?: Record<string, string>): Sql
  /** Another fresh database for this file (dropped in afterAll), for tests needing a clean slate. */
  createDatabase(): Promise<{ url: string; sql: Sql; name: string }>
}

export function adminUrl(): string {
  return inject('adminUrl')
}

export function urlForDatabase(name: string): string {
  const url = new URL(adminUrl())
  url.pathname = `/${name}`
  return url.toString()
}

export function useTestDatabase(): TestDatabase {
  const name = `vrss_test_${randomBytes(5).toString('hex')}`
  const url = urlForDatabase(name)
  const pools: Sql[] = []
  const extraDatabases: string[] = []
  let main: Sql | undefined
  const connectTo = (target: string, max = 4) => {
    const sql = createSql(parseDatabaseUrl(target), { max, onNotice: () => undefined })
    pools.push(sql)
    return sql
  }
  const connectUrl = (target: string, connection: Record<string, string> = {}) => {
    const spec = parseDatabaseUrl(target)
    const sql = postgres({
      host: spec.host,
      port: spec.port,
      database: spec.database,
      username: spec.user,
      password: spec.password,
      max: 2,
      onnotice: () => undefined,
      connection,
    })
    pools.push(sql as unknown as Sql)
    return sql as unknown as Sql
  }
  const connect = (max = 4) => connectTo(url, max)
  const createDatabase = async () => {
    const extra = `${name}_${extraDatabases.length + 1}`
    extraDatabases.push(extra)
    await withAdmin((admin) => admin.unsafe(`create database ${extra}`))
    const extraUrl = urlForDatabase(extra)
    return { url: extraUrl, sql: connectTo(extraUrl), name: extra }
  }

  beforeAll(async () => {
    await withAdmin((admin) => admin.unsafe(`create database ${name}`))
    main = connect()
  })
  afterAll(async () => {
    await Promise.all(pools.map((sql) => sql.end({ timeout: 5 }).catch(() => undefined)))
    await withAdmin(async (admin) => {
      for (const db of [name, ...extraDatabases]) {
        await admin.unsafe(`drop database if exists ${db} with (force)`)
      }
    })
  })

  return {
    url,
    name,
    get sql() {
      if (!main) throw new Error('the test database is opened in beforeAll')
      return main
    },
    connect,
    connectUrl,
    createDatabase,
  }
}

async function withAdmin<T>(fn: (admin: postgres.Sql) => Promise<T>): Promise<T> {
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => undefined })
  try {
    return await fn(admin)
  } finally {
    await admin.end({ timeout: 5 })
  }
}
