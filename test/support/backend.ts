/**
 * Where integration tests get PostgreSQL from, in this order:
 * 1. VRSS_TEST_DATABASE_URL — an existing server (a database per test file is created on it);
 * 2. Testcontainers PostgreSQL 16 when a Docker engine answers;
 * 3. one embedded PostgreSQL 16 for the whole run, in a temporary folder.
 */
import { existsSync } from 'node:fs'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'

export interface Backend {
  kind: 'url' | 'testcontainers' | 'embedded'
  /** A URL with rights to create and drop databases. */
  adminUrl: string
  stop(): Promise<void>
}

export async function startBackend(env = process.env): Promise<Backend> {
  if (env.VRSS_TEST_DATABASE_URL) {
    return { kind: 'url', adminUrl: env.VRSS_TEST_DATABASE_URL, stop: async () => undefined }
  }
  if (dockerMayBeAvailable(env)) {
    try {
      return await startContainer()
    } catch (err) {
      process.stderr.write(
        `[vrss-db tests] Docker did not start a container (${(err as Error).message}); using the embedded server\n`,
      )
    }
  }
  return startEmbedded()
}

function dockerMayBeAvailable(env: NodeJS.ProcessEnv): boolean {
  if (env.VRSS_TEST_NO_DOCKER) return false
  return (
    Boolean(env.DOCKER_HOST) ||
    existsSync('/var/run/docker.sock') ||
    existsSync(join(homedir(), '.docker/run/docker.sock'))
  )
}

async function startContainer(): Promise<Backend> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql')
  const container = await new PostgreSqlContainer('postgres:16-alpine')
    .withCommand(['postgres', '-c', 'fsync=off', '-c', 'max_connections=300'])
    .start()
  return {
    kind: 'testcontainers',
    adminUrl: container.getConnectionUri(),
    stop: async () => {
      await container.stop()
    },
  }
}

async function startEmbedded(): Promise<Backend> {
  const { startEmbeddedServer } = await import('../../src/lib/db/embedded/index.js')
  const home = await mkdtemp(join(tmpdir(), 'vrss-db-test-'))
  // As root the server runs as the postgres user, which must be able to enter this folder.
  await chmod(home, 0o755)
  const server = await startEmbeddedServer({
    home,
    settings: {
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      max_connections: '300',
    },
  })
  const { user, password, host, port } = server.spec
  return {
    kind: 'embedded',
    adminUrl: `postgres://${user}:${encodeURIComponent(password ?? '')}@${host}:${port}/postgres`,
    stop: async () => {
      await server.stop()
      await rm(home, { recursive: true, force: true })
    },
  }
}
