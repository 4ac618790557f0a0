/**
 * The flags of `vrss-db bench`, parsed and checked.
 */
import { usageError } from '../errors.js'
import { loadBaseline, type TimingLike } from '../explain/baseline.js'
import { parseDuration, parseInteger, parseMigrationsTable } from '../parse.js'
import { findWorkload, WORKLOADS } from './workloads.js'

export type Driver = 'pgbench' | 'builtin'

/** A workload to drive, with its own client count (`likes-hot@8`) or --clients. */
export interface WorkloadRun {
  name: string
  clients: number
}

export interface BenchOptions {
  workloads: WorkloadRun[]
  clients: number
  durationMs: number
  users: number
  posts: number
  seed: number
  /** undefined: pgbench when installed, the built-in driver otherwise. */
  driver: Driver | undefined
  format: 'table' | 'markdown'
  yes: boolean
  /** --baseline: an earlier --json result; p95 latency may grow by `tolerance` (0.2 = 20%). */
  baseline: { file: string; timings: TimingLike[]; tolerance: number } | undefined
  migrationsTable?: string
}

export function parseBenchOptions(raw: Record<string, unknown>, args: string[]): BenchOptions {
  const clients =
    raw.clients === undefined ? 4 : parseInteger('--clients', raw.clients, { min: 1, max: 256 })
  const words = args.length > 0 ? [...new Set(args)] : WORKLOADS.map((w) => w.name)
  const runs = words.map((word) => {
    const [name, at] = word.split('@') as [string, string | undefined]
    return {
      name,
      clients: at === undefined ? clients : parseInteger(`${name}@`, at, { min: 1, max: 256 }),
    }
  })
  const unknown = runs.map((r) => r.name).filter((n) => !findWorkload(n))
  if (unknown.length > 0) {
    throw usageError(
      `Unknown workload ${unknown.map((u) => `"${u}"`).join(', ')}`,
      `Use one of: ${WORKLOADS.map((w) => w.name).join(', ')}.`,
    )
  }
  const format = String(raw.format ?? 'table')
  if (format !== 'table' && format !== 'markdown')
    throw usageError(`--format must be table or markdown, got "${format}"`)
  const driver = raw.driver === undefined ? undefined : String(raw.driver)
  if (driver !== undefined && driver !== 'pgbench' && driver !== 'builtin')
    throw usageError(`--driver must be pgbench or builtin, got "${driver}"`)
  const durationMs = raw.duration === undefined ? 10_000 : parseDuration('--duration', raw.duration)
  if (durationMs < 1000) throw usageError('--duration must be at least 1s')
  const users =
    raw.users === undefined ? 10_000 : parseInteger('--users', raw.users, { min: 10, max: 1e7 })
  return {
    workloads: runs,
    clients,
    durationMs,
    users,
    posts:
      raw.posts === undefined ? 100_000 : parseInteger('--posts', raw.posts, { min: 1, max: 1e8 }),
    seed: raw.seed === undefined ? 42 : parseInteger('--seed', raw.seed, { min: 0, max: 2 ** 31 }),
    driver,
    format,
    yes: Boolean(raw.yes),
    baseline:
      raw.baseline === undefined
        ? undefined
        : {
            file: String(raw.baseline),
            timings: loadBaseline(String(raw.baseline)),
            tolerance:
              raw.tolerance === undefined
                ? 0.2
                : parseInteger('--tolerance', raw.tolerance, { min: 0, max: 10_000 }) / 100,
          },
    migrationsTable: parseMigrationsTable(raw.migrationsTable),
  }
}
