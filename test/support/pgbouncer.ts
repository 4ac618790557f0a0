/**
 * A real PgBouncer (the `pgbouncer` binary, Debian package `pgbouncer`) in front of the test
 * server: one instance in transaction mode and one in session mode, each on a free port with its
 * own temporary config and auth file, any database name forwarded to the test server. stop()
 * ends both and removes the folder. When the binary is missing or does not start,
 * startPgBouncers() says why instead (the tests skip with that reason, never silently).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, connect as netConnect } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'

export type PoolMode = 'transaction' | 'session'

/** The session settings vrss-db sends at start-up, and verify's scratch search_path. */
const STARTUP_SETTINGS = [
  'lock_timeout',
  'statement_timeout',
  'default_transaction_read_only',
  'search_path',
]

export interface PgBouncer {
  mode: PoolMode
  port: number
  /** `url` (a URL of the test server) with its host and port replaced by this PgBouncer's. */
  urlFor(url: string): string
}

export interface PgBouncers {
  transaction: PgBouncer
  session: PgBouncer
  /**
   * Session mode, told to accept and drop vrss-db's start-up settings
   * (ignore_startup_parameters), as PgBouncer's docs suggest for clients that send them.
   */
  ignoring: PgBouncer
  stop(): Promise<void>
}

export type PgBouncerStart = { ok: true; bouncers: PgBouncers } | { ok: false; reason: string }

const START_MS = 10_000

/**
 * Where the binary is, or undefined (Debian installs it in /usr/sbin, often not on PATH).
 * VRSS_TEST_PGBOUNCER names another one (or a missing one, to see the tests skip).
 */
export function findPgBouncer(): string | undefined {
  const override = process.env.VRSS_TEST_PGBOUNCER
  const candidates = override
    ? [override]
    : ['pgbouncer', '/usr/sbin/pgbouncer', '/usr/bin/pgbouncer']
  for (const candidate of candidates) {
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore', timeout: 5000 })
      return candidate
    } catch {}
  }
  return undefined
}

/** Starts both instances in front of the server of `adminUrl`; never throws. */
export async function startPgBouncers(adminUrl: string): Promise<PgBouncerStart> {
  const binary = findPgBouncer()
  if (!binary) {
    return {
      ok: false,
      reason: `the pgbouncer binary is not installed${process.env.VRSS_TEST_PGBOUNCER ? ` at VRSS_TEST_PGBOUNCER=${process.env.VRSS_TEST_PGBOUNCER}` : ''} (apt-get install pgbouncer; .ci/run installs it)`,
    }
  }
  const server = new URL(adminUrl)
  const home = await mkdtemp(join(tmpdir(), 'vrss-db-pgbouncer-'))
  const children: ChildProcess[] = []
  const stop = async () => {
    await Promise.all(children.map(stopChild))
    await rm(home, { recursive: true, force: true })
  }
  try {
    // PgBouncer refuses to run as root: it then runs as `postgres`, which must read its files.
    const runAs = userInfo().uid === 0 ? systemUser('postgres') : undefined
    if (runAs) {
      await chmod(home, 0o755)
      await chown(home, runAs.uid, runAs.gid)
    }
    const user = decodeURIComponent(server.username)
    const password = decodeURIComponent(server.password)
    const authFile = join(home, 'users.txt')
    await writeFile(authFile, `${quote(user)} ${quote(password)}\n`, { mode: 0o600 })
    if (runAs) await chown(authFile, runAs.uid, runAs.gid)
    const start = async (mode: PoolMode, ignore = false): Promise<PgBouncer> => {
      const port = await freePort()
      const name = `${mode}${ignore ? '-ignoring' : ''}`
      const ini = join(home, `${name}.ini`)
      const log = join(home, `${name}.log`)
      await writeFile(
        ini,
        [
          '[databases]',
          `* = host=${server.hostname} port=${server.port}`,
          '[pgbouncer]',
          'listen_addr = 127.0.0.1',
          `listen_port = ${port}`,
          `unix_socket_dir =`,
          'auth_type = scram-sha-256',
          `auth_file = ${authFile}`,
          `pool_mode = ${mode}`,
          ...(ignore ? [`ignore_startup_parameters = ${STARTUP_SETTINGS.join(',')}`] : []),
          'default_pool_size = 10',
          'max_client_conn = 200',
          // Bounded waits: a test that would wait for a server connection fails instead.
          'query_wait_timeout = 30',
          'server_connect_timeout = 5',
          `logfile = ${log}`,
          '',
        ].join('\n'),
      )
      const child = spawn(binary, [...(runAs ? ['-u', 'postgres'] : []), ini], {
        stdio: ['ignore', 'ignore', 'pipe'],
      })
      children.push(child)
      let stderr = ''
      child.stderr?.on('data', (chunk) => {
        stderr += String(chunk)
      })
      await waitForPort(
        port,
        child,
        async () => `${stderr}${await readFile(log, 'utf8').catch(() => '')}`,
      )
      return {
        mode,
        port,
        urlFor: (url) => {
          const through = new URL(url)
          through.hostname = '127.0.0.1'
          through.port = String(port)
          through.searchParams.set('sslmode', 'disable')
          return through.toString()
        },
      }
    }
    const transaction = await start('transaction')
    const session = await start('session')
    const ignoring = await start('session', true)
    return { ok: true, bouncers: { transaction, session, ignoring, stop } }
  } catch (err) {
    await stop()
    return { ok: false, reason: `pgbouncer did not start: ${(err as Error).message}` }
  }
}

function quote(value: string): string {
  return `"${value.replaceAll('"', '""')}"`
}

function systemUser(name: string): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim())
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim())
    return { uid, gid }
  } catch {
    throw new Error(`running as root, and there is no "${name}" user to run pgbouncer as`)
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address ? address.port : 0
      probe.close(() => resolve(port))
    })
  })
}

/** Polls until the port accepts connections; fails early when the process exits. */
async function waitForPort(
  port: number,
  child: ChildProcess,
  output: () => Promise<string>,
): Promise<void> {
  const deadline = Date.now() + START_MS
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(
        `exited with code ${child.exitCode}: ${(await output()).trim().split('\n').slice(-3).join(' | ')}`,
      )
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = netConnect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (open) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`not listening on ${port} after ${START_MS / 1000}s`)
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGINT') // PgBouncer's immediate shutdown
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}
