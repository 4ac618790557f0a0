/**
 * Running as root: PostgreSQL refuses to, so the server runs as the `postgres` system user, which
 * must be able to reach the data folder and the binaries. What it cannot reach goes to a folder
 * of its own under /var/tmp.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { stat } from 'node:fs/promises'
import { userInfo } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { VrssError } from '../../errors.js'

/** As root, the server runs as the `postgres` system user. */
export interface Owner {
  uid: number
  gid: number
}

/** Reachable by every user, and kept across reboots (unlike /tmp on some systems). */
export const SHARED_DIR = '/var/tmp'

/** As root: the `postgres` user the server runs as, created on first use. */
export async function postgresOwner(): Promise<Owner | undefined> {
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

/** The folder under /var/tmp that stands in for `home`: named after it, so it is found again. */
export function sharedHomeFor(home: string): string {
  const hash = createHash('sha256').update(home).digest('hex').slice(0, 12)
  return join(SHARED_DIR, `vrss-db-${hash}`)
}

/**
 * As root the server runs as `postgres`, which must be able to walk down to the data folder; a
 * home under /root (mode 700) is out of its reach, so the data goes to a folder of its own
 * under /var/tmp, named after the original path (the same checkout always finds its data again).
 */
export async function reachableHome(home: string, onNotice?: (message: string) => void) {
  const blocked = await unreachableDir(home)
  if (blocked === undefined) return home
  const fallback = sharedHomeFor(home)
  onNotice?.(
    `The embedded server runs as the "postgres" user, which cannot enter ${blocked}: its data is in ${fallback} instead of ${home}`,
  )
  return fallback
}

/** Whether users other than the owner and group may enter a folder of this mode (o+x). */
export function othersMayEnter(mode: number): boolean {
  return (mode & 0o001) !== 0
}

/** The first existing folder on the way to `path` that other users cannot enter, if any. */
export async function unreachableDir(path: string): Promise<string | undefined> {
  for (let dir = path; ; dir = dirname(dir)) {
    const info = await stat(dir).catch(() => undefined)
    if (info?.isDirectory() && !othersMayEnter(info.mode)) return dir
    if (dirname(dir) === dir) return undefined
  }
}

/** Whether root may trust a folder it finds: its own, and writable by nobody else. */
export function isTrustedByRoot(info: { uid: number; mode: number }): boolean {
  return info.uid === 0 && (info.mode & 0o022) === 0
}

/** Folders in /var/tmp that root uses must be root's own: anyone may create names there. */
export async function assertOwnedByRoot(dir: string): Promise<void> {
  if (!isTrustedByRoot(await stat(dir))) {
    throw new VrssError(`${dir} belongs to another user or is writable by others`, {
      hint: `Remove it (it is vrss-db's), or set VRSS_DB_HOME to a folder of your own.`,
      code: 'EMBEDDED_HOME_NOT_TRUSTED',
    })
  }
}

function isRoot(): boolean {
  try {
    return userInfo().uid === 0
  } catch {
    return false
  }
}
