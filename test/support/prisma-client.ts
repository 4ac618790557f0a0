/**
 * The VRSS API's own Prisma client, generated from its data model (test/fixtures/vrss-api) and
 * connected through the pg driver adapter, as Prisma 7 runs without a native query engine.
 *
 * Prisma 7 reads connection URLs from prisma.config.ts, not from the schema, so the one line
 * `url = env("DATABASE_URL")` is left out of the copy that is generated; the models are used
 * exactly as the API has them. `prisma generate` never uses the schema engine, but the CLI
 * downloads one unless PRISMA_SCHEMA_ENGINE_BINARY names an executable: a no-op script.
 */
import { execFile } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { API_SCHEMA_FILE } from './api-contract.js'

/** Inside the repository (git-ignored), so that the CLI and the client find @prisma/client. */
const WORK = fileURLToPath(new URL('../fixtures/vrss-api/.generated', import.meta.url))
const OUTPUT = join(WORK, 'client')
const require = createRequire(import.meta.url)

export async function generateApiClient(): Promise<string> {
  mkdirSync(WORK, { recursive: true })
  const work = mkdtempSync(join(WORK, 'run-'))
  const noop = join(work, 'no-schema-engine')
  writeFileSync(noop, '#!/bin/sh\nexit 0\n')
  chmodSync(noop, 0o755)
  const schema = readFileSync(API_SCHEMA_FILE, 'utf8')
    .replace(/^\s*url\s*=\s*env\("DATABASE_URL"\)\s*$/m, '')
    .replace(
      /provider = "prisma-client-js"/,
      `provider = "prisma-client-js"\n  output   = "${OUTPUT}"`,
    )
  const schemaFile = join(work, 'schema.prisma')
  writeFileSync(schemaFile, schema)
  const cli = require.resolve('prisma/build/index.js')
  try {
    await promisify(execFile)(process.execPath, [cli, 'generate', '--schema', schemaFile], {
      cwd: work,
      timeout: 120_000,
      env: {
        ...process.env,
        PRISMA_SCHEMA_ENGINE_BINARY: noop,
        CHECKPOINT_DISABLE: '1',
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
      },
    })
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  return OUTPUT
}

// biome-ignore lint/suspicious/noExplicitAny: the generated client's types are not part of the build
export type ApiClient = any

export async function connectApiClient(dir: string, url: string): Promise<ApiClient> {
  const { PrismaPg } = await import('@prisma/adapter-pg')
  const generated = require(join(dir, 'index.js')) as {
    PrismaClient: new (options: unknown) => ApiClient
  }
  return new generated.PrismaClient({ adapter: new PrismaPg({ connectionString: url }) })
}
