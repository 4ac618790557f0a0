/**
 * A primary and a real streaming hot standby of it, both embedded PostgreSQL 16 servers in
 * temporary folders, for tests of what vrss-db does on a read-only replica. The standby is a
 * copy of the cleanly stopped primary's data folder (the embedded binaries have no
 * pg_basebackup) with standby.signal and primary_conninfo added. stop() ends both servers and
 * removes their folders.
 */
import { execFile } from 'node:child_process'
import { appendFile, chmod, chown, cp, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import postgres from 'postgres'
import { type EmbeddedServer, startEmbeddedServer } from '../../src/lib/db/embedded/index.js'
import type { ConnectionSpec } from '../../src/lib/db/target.js'

export interface PrimaryAndStandby {
  /** URLs (with password) of the `vrss` database on each server. */
  primaryUrl: string
  standbyUrl: string
  /** Waits until the standby has replayed everything the primary committed so far. */
  caughtUp(): Promise<void>
  stop(): Promise<void>
}

const SETTINGS = {
  fsync: 'off',
  wal_level: 'replica',
  max_wal_senders: '4',
  hot_standby: 'on',
}
const APPLICATION = 'vrss_test_standby'
const WAIT_MS = 60_000

export async function startPrimaryAndStandby(): Promise<PrimaryAndStandby> {
  const homes: string[] = []
  const servers: EmbeddedServer[] = []
  const stop = async () => {
    for (const server of servers.reverse()) await server.stop().catch(() => undefined)
    for (const home of homes) await rm(home, { recursive: true, force: true })
  }
  try {
    const primaryHome = await makeHome(homes)
    const first = await startEmbeddedServer({ home: primaryHome, settings: SETTINGS })
    const port = first.spec.port
    // A cleanly stopped data folder is a consistent copy, needing no backup tool.
    await first.stop()
    const standbyHome = await makeHome(homes)
    await copyDataFolder(first, standbyHome)
    servers.push(await startEmbeddedServer({ home: primaryHome, port, settings: SETTINGS }))
    const primary = servers[0] as EmbeddedServer
    await makeStandby(join(standbyHome, 'data'), primary.spec)
    servers.push(await startEmbeddedServer({ home: standbyHome, settings: SETTINGS }))
    const standby = servers[1] as EmbeddedServer
    await waitForStreaming(primary.spec)
    return {
      primaryUrl: urlOf(primary.spec),
      standbyUrl: urlOf(standby.spec),
      caughtUp: () => waitForReplay(primary.spec, standby.spec),
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}

/** As root the servers run as `postgres`, which must be able to enter the folder. */
async function makeHome(homes: string[]): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'vrss-db-standby-'))
  homes.push(home)
  await chmod(home, 0o755)
  return home
}

/** cp -a keeps the owner (postgres, when run as root) and modes of the data folder. */
async function copyDataFolder(primary: EmbeddedServer, home: string): Promise<void> {
  await promisify(execFile)('cp', ['-a', primary.dataDir, join(home, 'data')])
  // The same credentials, so the same password works on both.
  await cp(join(primary.home, 'server.json'), join(home, 'server.json'))
}

async function makeStandby(dataDir: string, primary: ConnectionSpec): Promise<void> {
  const { uid, gid } = await stat(dataDir)
  const signal = join(dataDir, 'standby.signal')
  await writeFile(signal, '')
  const conninfo = `host=${primary.host} port=${primary.port} user=${primary.user} password=${primary.password} application_name=${APPLICATION}`
  const auto = join(dataDir, 'postgresql.auto.conf')
  await appendFile(auto, `primary_conninfo = '${conninfo}'\n`)
  for (const file of [signal, auto]) await chown(file, uid, gid)
}

async function waitForStreaming(primary: ConnectionSpec): Promise<void> {
  await poll(primary, async (sql) => {
    const [row] = await sql`
      select 1 from pg_stat_replication where application_name = ${APPLICATION} and state = 'streaming'`
    return row !== undefined
  })
}

async function waitForReplay(primary: ConnectionSpec, standby: ConnectionSpec): Promise<void> {
  const admin = postgres(urlOf(primary), { max: 1, onnotice: () => undefined })
  let target: string
  try {
    const [row] = await admin`select pg_current_wal_lsn()::text as lsn`
    target = row?.lsn as string
  } finally {
    await admin.end({ timeout: 5 })
  }
  await poll(standby, async (sql) => {
    const [row] = await sql`select pg_last_wal_replay_lsn() >= ${target}::pg_lsn as done`
    return row?.done === true
  })
}

async function poll(spec: ConnectionSpec, done: (sql: postgres.Sql) => Promise<boolean>) {
  const sql = postgres(urlOf(spec), { max: 1, onnotice: () => undefined })
  try {
    const deadline = Date.now() + WAIT_MS
    while (!(await done(sql))) {
      if (Date.now() > deadline) throw new Error(`the standby did not catch up in ${WAIT_MS} ms`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  } finally {
    await sql.end({ timeout: 5 })
  }
}

function urlOf(spec: ConnectionSpec): string {
  return `postgres://${spec.user}:${encodeURIComponent(spec.password ?? '')}@${spec.host}:${spec.port}/${spec.database}`
}
