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

// The plan's likes-only reconciliation query (the plan's known problems, "Pitfall 2"), and drift
// injected into ~0.1% of the rows of every counter with the triggers bypassed: shared by the
// reconcile and scale benchmarks.
export const PLAN_QUERY = `UPDATE posts p SET likes_count = (SELECT COUNT(*) FROM post_interactions WHERE post_id = p.id AND type = 'like')
WHERE likes_count != (SELECT COUNT(*) FROM post_interactions WHERE post_id = p.id AND type = 'like')`

export async function injectDrift(sql) {
  await sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`
    await tx`update posts set likes_count = likes_count + 3 where id % 1000 = 7`
    await tx`update posts set comments_count = comments_count + 1 where id % 1000 = 8`
    await tx`update posts set reposts_count = reposts_count + 2 where id % 1000 = 9`
    await tx`update comments set replies_count = replies_count + 1 where id % 1000 = 3`
    await tx`update storage_usage set used_bytes = used_bytes + 100 where user_id % 1000 = 5`
  })
}

export async function timePlanQuery(sql) {
  const started = performance.now()
  await sql
    .begin(async (tx) => {
      await tx.unsafe(PLAN_QUERY)
      throw Object.assign(new Error('rollback'), { rollback: true })
    })
    .catch((err) => {
      if (!err.rollback) throw err
    })
  return performance.now() - started
}
