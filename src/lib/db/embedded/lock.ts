/**
 * The home folder's lock file: deciding to start, reuse or stop the server is one step, across
 * the vrss-db processes on one folder and within this one.
 */
import { readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { VrssError } from '../../errors.js'
import { shellQuote } from '../shell.js'
import { isAlive, POLL_MS, START_TIMEOUT_MS, sleep } from './processes.js'

const lockQueues = new Map<string, Promise<unknown>>()
const heldLocks = new Set<string>()

/** The lock files this process holds right now (removed on 'exit' if it ends holding them). */
export function locksHeld(): ReadonlySet<string> {
  return heldLocks
}

/**
 * Runs `fn` holding the home's lock file, so that deciding to start, reuse or stop the server is
 * one step: two commands starting at once on one folder would otherwise both launch postgres
 * (the second fails on the lock file), or one would reuse a server that is shutting down.
 */
export function withLock<T>(home: string, fn: () => Promise<T>): Promise<T> {
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
