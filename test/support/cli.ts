/**
 * Runs the real bin/vrss-db (the built dist/) as a child process.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { ALL_PG_VARIABLES } from '../../src/lib/db/target.js'

export const BIN = fileURLToPath(new URL('../../bin/vrss-db', import.meta.url))

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

/** Connection variables of the developer's shell must not leak into a test. */
const CONNECTION_VARIABLES = [
  'DATABASE_URL',
  'PGCONNECT_TIMEOUT',
  'VRSS_DB_HOME',
  'VRSS_DB_PORT',
  ...ALL_PG_VARIABLES,
]

export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' }
  for (const name of CONNECTION_VARIABLES) delete env[name]
  return { ...env, ...extra }
}

export function runCli(
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        env: cleanEnv(options.env),
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 64 << 20,
        cwd: options.cwd,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })
}
