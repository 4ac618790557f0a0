/**
 * Facts about running processes and the server's postmaster.pid, and small waiting helpers
 * shared by the start, stop and lock code.
 */
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { VrssError } from '../../errors.js'
import { shellQuote } from '../shell.js'

export const START_TIMEOUT_MS = 60_000
export const POLL_MS = 50

export interface PostmasterState {
  pid: number
  port: number
  /** Accepting connections ("ready", or "standby" for a hot standby). */
  ready: boolean
}

/**
 * The lines of postmaster.pid that matter: the pid (line 1), the port (line 4) and the status
 * (line 8). Undefined when the pid is not a number.
 */
export function parsePostmasterPid(text: string): PostmasterState | undefined {
  const lines = text.split('\n')
  const pid = Number(lines[0])
  if (!Number.isInteger(pid)) return undefined
  // A hot standby that accepts read-only connections says "standby" instead of "ready".
  const status = (lines[7] ?? '').trim()
  const port = Number(lines[3])
  return { pid, port, ready: ['ready', 'standby'].includes(status) && Number.isInteger(port) }
}

/** The pid and port of a live, ready server on this data folder (from postmaster.pid), if any. */
export async function runningServer(
  dataDir: string,
): Promise<{ pid: number; port: number } | undefined> {
  let text: string
  try {
    text = await readFile(join(dataDir, 'postmaster.pid'), 'utf8')
  } catch {
    return undefined
  }
  const state = parsePostmasterPid(text)
  if (!state || !isAlive(state.pid)) return undefined // stale: postgres clears it
  if (!state.ready) {
    throw new VrssError(
      `The embedded data folder ${dataDir} is locked by PostgreSQL process ${state.pid}, which is not ready`,
      {
        hint: `Wait for it, or stop that process; if no postgres runs, delete ${shellQuote(join(dataDir, 'postmaster.pid'))}.`,
        code: 'EMBEDDED_LOCKED',
      },
    )
  }
  return { pid: state.pid, port: state.port }
}

/** The pid postmaster.pid names, whatever the server's state. */
export async function runningPid(dataDir: string): Promise<number | undefined> {
  const text = await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '')
  return Number.parseInt(text, 10) || undefined
}

/**
 * A postmaster.pid left by a server that crashed may name a pid now used by another program:
 * never signal that one. Where /proc is unreadable, a live pid has to do.
 */
export function isPostmaster(pid: number): boolean {
  if (!isAlive(pid)) return false
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres')
  } catch {
    return true
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms))
}

export function splitLines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '')
}
