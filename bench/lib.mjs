// Shared helpers of the benchmark scripts: a throwaway embedded server and statistics.
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmbeddedServer } from '../dist/lib/db/embedded/index.js'

export const BIN = new URL('../bin/vrss-db', import.meta.url).pathname

/** A fresh embedded PostgreSQL in a temporary folder (the same server users get). */
export async function benchServer() {
  const home = mkdtempSync(join(tmpdir(), 'vrss-bench-'))
  chmodSync(home, 0o755)
  const server = await startEmbeddedServer({ home })
  const { user, password, host, port } = server.spec
  const urlFor = (db) => `postgres://${user}:${encodeURIComponent(password)}@${host}:${port}/${db}`
  return {
    urlFor,
    async stop() {
      await server.stop()
      rmSync(home, { recursive: true, force: true })
    },
  }
}

export function runCli(args, env = {}) {
  const started = performance.now()
  const stdout = execFileSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return { ms: performance.now() - started, stdout: stdout.toString() }
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export const fmt = (ms) => `${ms.toFixed(1)} ms`
