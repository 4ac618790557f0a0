/**
 * The built-in driver, used when pgbench is not installed: `clients` sessions each run the
 * workload's scripts (picked by weight) back to back until the duration is over, timing every
 * transaction. Deadlocks and serialization failures are rolled back, counted and not retried,
 * as pgbench does with --max-tries=1.
 */
import type { Sql } from '../db/connect.js'
import { isPostgresError } from '../errors.js'
import { Random } from '../random.js'
import type { DriveSpec, Sample } from './measurement.js'
import { applySet, loadScript, paramsOf, type Step } from './script.js'

export type OpenPool = (max: number, searchPath: string) => Promise<Sql>

export async function driveBuiltin(spec: DriveSpec, open: OpenPool): Promise<Sample> {
  const scripts = spec.workload.scripts.map((s) => ({
    steps: loadScript(s.file),
    weight: s.weight,
  }))
  const total = scripts.reduce((sum, s) => sum + s.weight, 0)
  const pool = await open(spec.clients, spec.searchPath)
  const latencies: number[] = []
  const errors = { deadlocks: 0, serialization: 0, otherErrors: 0 }
  const started = performance.now()
  const deadline = started + spec.durationMs
  try {
    await Promise.all(
      Array.from({ length: spec.clients }, async (_, client) => {
        const conn = await pool.reserve()
        const random = new Random(spec.seed + client)
        const variables = new Map(Object.entries(spec.variables))
        try {
          while (performance.now() < deadline) {
            const script = pickScript(scripts, random.next() * total)
            const t0 = performance.now()
            const outcome = await runOnce(conn, script?.steps ?? [], variables, random)
            if (outcome === 'ok') latencies.push(performance.now() - t0)
            else errors[outcome]++
          }
        } finally {
          conn.release()
        }
      }),
    )
  } finally {
    await pool.end({ timeout: 5 })
  }
  return { latenciesMs: latencies, seconds: (performance.now() - started) / 1000, ...errors }
}

/** The script whose share of the weights `point` (0 ≤ point < total weight) falls in. */
function pickScript<S extends { weight: number }>(scripts: S[], point: number): S | undefined {
  let rest = point
  for (const script of scripts) {
    rest -= script.weight
    if (rest < 0) return script
  }
  return scripts[scripts.length - 1]
}

type Outcome = 'ok' | 'deadlocks' | 'serialization' | 'otherErrors'

async function runOnce(
  conn: Awaited<ReturnType<Sql['reserve']>>,
  steps: Step[],
  variables: Map<string, number>,
  random: Random,
): Promise<Outcome> {
  try {
    for (const step of steps) {
      if (step.kind === 'set') {
        applySet(step, variables, random)
        continue
      }
      const rows = await conn.unsafe(step.text, paramsOf(step, variables), { prepare: true })
      if (step.gset) {
        for (const [name, value] of Object.entries(rows[0] ?? {}))
          variables.set(name, Number(value))
      }
    }
    return 'ok'
  } catch (err) {
    await conn.unsafe('rollback').catch(() => undefined)
    if (isPostgresError(err) && err.code === '40P01') return 'deadlocks'
    if (isPostgresError(err) && err.code === '40001') return 'serialization'
    return 'otherErrors'
  }
}
