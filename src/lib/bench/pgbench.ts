/**
 * The pgbench driver: pgbench runs the workload's scripts (-M prepared: values are bind
 * parameters) against the scratch schema through PGOPTIONS' search_path, logging every
 * transaction; the percentiles come from that log, throughput from pgbench's own summary.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sqlDir } from '../db/sql-files.js'
import type { ConnectionSpec, Env } from '../db/target.js'
import { VrssError } from '../errors.js'
import { onInterrupt } from '../interrupt.js'
import type { DriveSpec, Sample } from './measurement.js'

const CANDIDATES = [
  '/usr/bin/pgbench',
  '/usr/local/bin/pgbench',
  '/usr/lib/postgresql/16/bin/pgbench',
]

/** The pgbench executable: PGBENCH, the PATH, or a usual place; undefined when none. */
export function findPgbench(env: Env): string | undefined {
  if (env.PGBENCH && existsSync(env.PGBENCH)) return env.PGBENCH
  const onPath = (env.PATH ?? '').split(':').map((dir) => join(dir, 'pgbench'))
  return [...onPath, ...CANDIDATES].find((file) => file && existsSync(file))
}

/** libpq variables for pgbench: the connection of `spec` with the search_path in PGOPTIONS. */
export function pgbenchEnv(spec: ConnectionSpec, searchPath: string, env: Env): NodeJS.ProcessEnv {
  const options = [spec.options, `-c search_path=${searchPath.replace(/\s+/g, '')}`]
  const vars: NodeJS.ProcessEnv = {
    PATH: env.PATH,
    HOME: env.HOME,
    LANG: 'C',
    PGHOST: spec.host,
    PGPORT: String(spec.port),
    PGDATABASE: spec.database,
    PGUSER: spec.user,
    PGSSLMODE: spec.sslmode,
    PGCONNECT_TIMEOUT: String(spec.connectTimeout),
    PGAPPNAME: 'vrss-db bench',
    PGOPTIONS: options.filter(Boolean).join(' '),
  }
  if (spec.password !== undefined) vars.PGPASSWORD = spec.password
  if (spec.sslrootcert) vars.PGSSLROOTCERT = spec.sslrootcert
  if (spec.sslcert) vars.PGSSLCERT = spec.sslcert
  if (spec.sslkey) vars.PGSSLKEY = spec.sslkey
  return vars
}

export async function drivePgbench(
  pgbench: string,
  spec: DriveSpec,
  connection: ConnectionSpec,
  env: Env,
): Promise<Sample> {
  const dir = mkdtempSync(join(tmpdir(), 'vrss-bench-'))
  try {
    const args = [
      '--no-vacuum',
      '--protocol=prepared',
      `--client=${spec.clients}`,
      `--jobs=${Math.min(spec.clients, 2)}`,
      `--time=${Math.max(1, Math.round(spec.durationMs / 1000))}`,
      `--random-seed=${spec.seed}`,
      '--failures-detailed',
      '--log',
      `--log-prefix=${join(dir, 'tx')}`,
      ...Object.entries(spec.variables).map(([k, v]) => `--define=${k}=${v}`),
      ...spec.workload.scripts.map((s) => `--file=${sqlDir()}bench/${s.file}.sql@${s.weight}`),
    ]
    const { code, stdout, stderr } = await run(
      pgbench,
      args,
      pgbenchEnv(connection, spec.searchPath, env),
    )
    const aborted = (stderr.match(/client \d+ aborted/g) ?? []).length
    if (code !== 0 && aborted === 0) {
      const line = stderr.trim().split('\n').pop() ?? `exit code ${code}`
      throw new VrssError(`pgbench failed: ${line}`, {
        hint: 'Run with --driver builtin to use the built-in driver instead.',
        code: 'PGBENCH_FAILED',
      })
    }
    return {
      latenciesMs: readLog(dir),
      seconds: Math.max(1, Math.round(spec.durationMs / 1000)),
      deadlocks: numberAfter(stdout, 'number of deadlock failures:'),
      serialization: numberAfter(stdout, 'number of serialization failures:'),
      otherErrors: aborted,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function run(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    // Ctrl+C / SIGTERM: pgbench stops first (its sessions would hold up the schemas' drop).
    const forget = onInterrupt(() => {
      child.kill('SIGTERM')
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', (err) => {
      forget()
      reject(err)
    })
    child.on('close', (code) => {
      forget()
      resolve({ code: code ?? 1, stdout, stderr })
    })
  })
}

/** Latencies (ms) of the committed transactions in pgbench's per-transaction logs. */
function readLog(dir: string): number[] {
  const latencies: number[] = []
  for (const file of readdirSync(dir)) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      const micros = Number(line.split(' ')[2])
      if (line && Number.isFinite(micros)) latencies.push(micros / 1000)
    }
  }
  return latencies
}

function numberAfter(text: string, label: string): number {
  const at = text.indexOf(label)
  return at < 0 ? 0 : Number.parseInt(text.slice(at + label.length).trim(), 10) || 0
}
