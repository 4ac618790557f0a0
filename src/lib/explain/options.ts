/**
 * explain's flags, checked and typed: which named queries (or one --file query under review),
 * how many runs, the output format and the baseline to compare with.
 */
import { readFileSync } from 'node:fs'
import { parseReplicaUrl } from '../db/replica.js'
import type { ConnectionSpec, Env } from '../db/target.js'
import { usageError } from '../errors.js'
import { parseDuration, parseInteger, parseMigrationsTable } from '../parse.js'
import { loadBaseline, type TimingLike } from './baseline.js'
import { measurableStatement } from './guard.js'
import { findQuery, NAMED_QUERIES } from './queries.js'

export interface ExplainOptions {
  queries: string[]
  runs: number
  user: number | undefined
  fail: boolean
  format: 'table' | 'markdown'
  assertIndex: string | undefined
  /** --file: a query under review instead of the named ones. */
  custom: { file: string; text: string; params: (string | number)[]; targetMs: number } | undefined
  /** --allow-writes: time a data-modifying --file query (every run is still rolled back). */
  allowWrites: boolean
  /** --baseline: an earlier --json result, and how much slower p95 may get (0.2 = 20%). */
  baseline: { file: string; timings: TimingLike[]; tolerance: number } | undefined
  /** The bookkeeping table (--migrations-table); schema_migrations when undefined. */
  migrationsTable?: string
  /** --replica: also time every query on this hot standby, side by side with the target. */
  replica?: ConnectionSpec
}

function readQueryFile(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (err) {
    throw usageError(
      `Cannot read --file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    )
  }
}

function parseCustom(raw: Record<string, unknown>): ExplainOptions['custom'] {
  if (raw.file === undefined) {
    if (raw.param !== undefined || raw.target !== undefined)
      throw usageError('--param and --target go with --file')
    return undefined
  }
  const file = String(raw.file)
  const text = readQueryFile(file)
  // Whole numbers are bound as numbers, anything else as text.
  const params = ((raw.param as string[] | undefined) ?? []).map((p) =>
    /^-?\d+$/.test(p) ? Number(p) : p,
  )
  const targetMs =
    raw.target === undefined
      ? 50
      : parseDuration('--target', raw.target, {
          zeroMeans: 'a target no query meets',
        })
  return { file, text: measurableStatement(text, file, Boolean(raw.allowWrites)), params, targetMs }
}

function parseBaseline(raw: Record<string, unknown>): ExplainOptions['baseline'] {
  if (raw.baseline === undefined) return undefined
  return {
    file: String(raw.baseline),
    timings: loadBaseline(String(raw.baseline)),
    tolerance:
      raw.tolerance === undefined
        ? 0.2
        : parseInteger('--tolerance', raw.tolerance, { min: 0, max: 10_000 }) / 100,
  }
}

/** The named queries asked for (all by default), by their main name, each once. */
function parseQueryNames(args: string[]): string[] {
  const names = args.length > 0 ? args : NAMED_QUERIES.map((q) => q.name)
  const unknown = names.filter((n) => !findQuery(n))
  if (unknown.length > 0) {
    throw usageError(
      `Unknown query ${unknown.map((u) => `"${u}"`).join(', ')}`,
      `Use one of: ${NAMED_QUERIES.map((q) => [q.name, ...q.aliases].join('/')).join(', ')}.`,
    )
  }
  return [...new Set(names.map((n) => findQuery(n)?.name as string))]
}

export function parseExplainOptions(
  raw: Record<string, unknown>,
  args: string[],
  env: Env = process.env,
): ExplainOptions {
  const queries = parseQueryNames(args)
  if (raw.allowWrites && raw.replica !== undefined)
    throw usageError(
      '--allow-writes cannot go with --replica: a replica runs no writes, not even rolled back',
    )
  if (raw.allowWrites && raw.file === undefined)
    throw usageError('--allow-writes goes with --file (the named queries only read)')
  const format = String(raw.format ?? 'table')
  if (format !== 'table' && format !== 'markdown')
    throw usageError(`--format must be table or markdown, got "${format}"`)
  return {
    queries,
    runs: raw.runs === undefined ? 30 : parseInteger('--runs', raw.runs, { min: 1, max: 10_000 }),
    user: raw.user === undefined ? undefined : parseInteger('--user', raw.user, { min: 1 }),
    fail: raw.fail !== false,
    format,
    assertIndex: typeof raw.assertIndex === 'string' ? raw.assertIndex : undefined,
    custom: parseCustom(raw),
    allowWrites: Boolean(raw.allowWrites),
    baseline: parseBaseline(raw),
    migrationsTable: parseMigrationsTable(raw.migrationsTable),
    ...(raw.replica === undefined
      ? {}
      : { replica: parseReplicaUrl('--replica', raw.replica, env) }),
  }
}
