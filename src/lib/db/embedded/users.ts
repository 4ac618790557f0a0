/**
 * The users registry: every vrss-db process using a home's server has a file `users/<pid>-<n>`
 * there. Whoever releases it last stops the server, so a command never loses the server under
 * it because the one that started it ended first.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { VrssError } from '../../errors.js'
import { makeDirectories } from './home.js'
import { locksHeld, withLock } from './lock.js'
import { isAlive, isPostmaster, POLL_MS, runningPid, START_TIMEOUT_MS, sleep } from './processes.js'

const USERS = 'users'
let registrations = 0

/** A registration's file name: this pid, and a counter for several uses in one process. */
export function userName(pid: number, n: number): string {
  return `${pid}-${n}`
}

/** Registers this process as a user of the home's server: `users/<pid>-<n>`. */
export async function register(home: string): Promise<string> {
  const name = userName(process.pid, registrations++)
  await makeDirectories(join(home, USERS))
  await writeFile(join(home, USERS, name), '')
  return name
}

/** Sorts registrations other than `self` into live ones and those of dead processes. */
export function sortUsers(
  names: readonly string[],
  self: string,
  alive: (pid: number) => boolean,
): { live: string[]; dead: string[] } {
  const live: string[] = []
  const dead: string[] = []
  for (const name of names) {
    if (name === self) continue
    if (alive(Number.parseInt(name, 10))) live.push(name)
    else dead.push(name)
  }
  return { live, dead }
}

/** Live users other than `self`; files of dead processes (killed, crashed) are cleared away. */
function otherUsers(home: string, self: string): number {
  let names: string[]
  try {
    names = readdirSync(join(home, USERS))
  } catch {
    return 0
  }
  const { live, dead } = sortUsers(names, self, isAlive)
  for (const name of dead) rmSync(join(home, USERS, name), { force: true })
  return live.length
}

/**
 * Under the home's lock: unregisters this user and stops the server if no other live vrss-db
 * process uses it. Returns whether the server is now stopped.
 */
export function releaseServer(home: string, dataDir: string, user: string): Promise<boolean> {
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
export function releaseSync(home: string, dataDir: string, user: string): void {
  rmSync(join(home, USERS, user), { force: true })
  for (const lock of locksHeld()) rmSync(lock, { force: true })
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
