/** The home folder: created and checked writable, with the credentials kept in server.json. */
import { randomBytes } from 'node:crypto'
import { constants as fsConstants } from 'node:fs'
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { VrssError } from '../../errors.js'
import type { Credentials } from './options.js'
import { assertOwnedByRoot, SHARED_DIR } from './root.js'

const CREDENTIALS_FILE = 'server.json'
const DEFAULT_DATABASE = 'vrss'

export async function prepareHome(home: string, asRoot: boolean): Promise<void> {
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
 * mkdir -p, one level at a time: Node's recursive mkdir never returns for some paths
 * (e.g. under /proc), and a hang is the worst answer to a bad VRSS_DB_HOME.
 */
export async function makeDirectories(dir: string): Promise<void> {
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

export async function loadOrCreateCredentials(home: string): Promise<Credentials> {
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

export async function isInitialised(dataDir: string): Promise<boolean> {
  return access(join(dataDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  )
}
