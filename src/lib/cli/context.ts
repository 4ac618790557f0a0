/**
 * The one place that builds what every command runs with: the output, the resolved target and
 * an open connection (starting the embedded server when no target is configured), and that
 * always closes them again.
 */
import type { CoreContext, TargetInfo } from '../core.js'
import type { EmbeddedServer } from '../db/embedded.js'
import {
  type ConnectionSpec,
  describeSpec,
  type Env,
  isLocalHost,
  resolveTarget,
  type TargetSource,
} from '../db/target.js'
import { exitCodeFor, handleInterrupts, onInterrupt } from '../interrupt.js'
import { Output } from './output.js'

export type { CoreContext, TargetInfo }

export interface GlobalOptions {
  databaseUrl?: string
  json: boolean
  color: boolean
  debug: boolean
}

/** A core's context plus the output: what the command layer works with. */
export interface Context extends CoreContext {
  out: Output
}

export interface ContextOptions {
  env?: Env
  /** Pool size for commands that work in parallel. */
  maxConnections?: number
  /**
   * Settings of every connection of the command (sent at start-up): lock_timeout and
   * statement_timeout suited to its job, default_transaction_read_only for the read-only ones.
   */
  session?: Record<string, string>
}

export function createOutput(global: GlobalOptions, env: Env = process.env): Output {
  return new Output({ json: global.json, color: global.color, debug: global.debug, env })
}

export async function withContext<T>(
  global: GlobalOptions,
  out: Output,
  fn: (ctx: Context) => Promise<T>,
  options: ContextOptions = {},
): Promise<T> {
  const env = options.env ?? process.env
  const target = resolveTarget(global.databaseUrl, env)
  for (const warning of target.warnings) out.warn(warning)
  // Ctrl+C / kill: the connections are closed (PostgreSQL rolls back what was open), then the
  // embedded server released, and one line says so; exit 128 + signal (130 for Ctrl+C).
  let serverNote = ''
  handleInterrupts({
    // What the command prints while its connections close under it would only mislead.
    started: () => out.mute(),
    finish: (signal, notes) => {
      const message = `Interrupted (${signal}): ${[...notes, `any open transaction was rolled back, work committed before stays${serverNote}`].join('; ')}`
      const hint = 'Run `vrss-db status` to see the state of the database.'
      if (out.json) {
        out.document({
          error: { message, hint, code: 'INTERRUPTED', exitCode: exitCodeFor(signal) },
        })
      }
      out.error(message, hint)
      return exitCodeFor(signal)
    },
  })
  await out.enableSpinners()
  if (target.kind === 'server') {
    return withConnection(target.spec, target.source, false, out, env, fn, options)
  }
  const { embeddedOptionsFromEnv, withEmbeddedServer } = await import('../db/embedded.js')
  const embedded = embeddedOptionsFromEnv(env)
  out.debug(`no database configured: using the embedded server in ${embedded.home}`)
  return withEmbeddedServer(
    {
      ...embedded,
      onLog: (line) => out.debug(`postgres: ${line}`),
      onNotice: (message) => out.info(message),
    },
    async (server: EmbeddedServer) => {
      if (server.reused)
        out.debug(`reusing the embedded server already running on ${server.spec.port}`)
      if (server.created) {
        out.info(
          `Created a new embedded PostgreSQL 16 database in ${server.dataDir} (first use of this folder; set VRSS_DB_HOME or give a database URL to use another)`,
        )
      }
      const forget = onInterrupt(async () => {
        const stopped = await server.stop()
        serverNote = stopped
          ? '; the embedded server is stopped'
          : '; the embedded server keeps running for the other vrss-db commands using it'
      })
      try {
        return await withConnection(server.spec, 'embedded', true, out, env, fn, options)
      } finally {
        forget()
      }
    },
  )
}

async function withConnection<T>(
  spec: ConnectionSpec,
  source: TargetSource,
  embedded: boolean,
  out: Output,
  env: Env,
  fn: (ctx: Context) => Promise<T>,
  options: ContextOptions,
): Promise<T> {
  const display = describeSpec(spec)
  out.debug(`connecting to ${display} (from ${source})`)
  // Loaded here, not at startup: `vrss-db --help` should not pay for the driver.
  const { connect } = await import('../db/connect.js')
  const sql = await connect(spec, {
    max: options.maxConnections,
    onNotice: (message) => out.info(message),
    connection: options.session,
  })
  const target: TargetInfo = {
    display,
    source,
    embedded,
    local: embedded || isLocalHost(spec.host),
    host: spec.host,
    database: spec.database,
    spec,
  }
  // Registered after the server's release, so it runs first: connections close before it stops.
  // timeout 0: close at once, in-flight queries included (the server rolls them back).
  const forget = onInterrupt(() => sql.end({ timeout: 0 }))
  try {
    return await fn({ sql, target, out, env, interactive: Boolean(process.stdin.isTTY) })
  } catch (err) {
    const { lock_timeout: lockTimeout, statement_timeout: statementTimeout } = options.session ?? {}
    if (!lockTimeout || !statementTimeout) throw err
    const { explainTimeout } = await import('../db/sessions.js')
    throw await explainTimeout(spec, { lockTimeout, statementTimeout }, err)
  } finally {
    forget()
    await sql.end({ timeout: 5 })
  }
}
