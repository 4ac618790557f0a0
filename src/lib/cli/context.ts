/**
 * The one place that builds what every command runs with: the output, the resolved target and
 * its connections (starting the embedded server when no target is configured), and that always
 * closes them again. `vrss-db server` gets its embedded server here too (serveEmbedded).
 */
import type { CoreContext, OpenConnectionOptions, TargetInfo } from '../core.js'
import type { Sql } from '../db/connect.js'
import type { EmbeddedOptions, EmbeddedServer } from '../db/embedded/index.js'
import {
  type ConnectionSpec,
  describeSpec,
  type Env,
  isLocalHost,
  resolveTarget,
  type TargetSource,
} from '../db/target.js'
import { usageError } from '../errors.js'
import { exitCodeFor, handleInterrupts, onInterrupt } from '../interrupt.js'
import { Output } from '../ui/output.js'

export type { CoreContext, OpenConnectionOptions, TargetInfo }

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
  const embedded = (await loadEmbedded()).embeddedOptionsFromEnv(env)
  out.debug(`no database configured: using the embedded server in ${embedded.home}`)
  const server = await startEmbedded(embedded, out)
  try {
    announce(server, out)
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
  } finally {
    await server.stop()
  }
}

/** Loaded only when no target is configured: `vrss-db --help` should not pay for it. */
const loadEmbedded = () => import('../db/embedded/index.js')

/** The embedded server (VRSS_DB_HOME / VRSS_DB_PORT), its log and notices going to `out`. */
async function startEmbedded(
  options: Pick<EmbeddedOptions, 'home' | 'port'>,
  out: Output,
): Promise<EmbeddedServer> {
  const { startEmbeddedServer } = await loadEmbedded()
  return startEmbeddedServer({
    ...options,
    onLog: (line) => out.debug(`postgres: ${line}`),
    onNotice: (message) => out.info(message),
  })
}

/** Says (for a command) whether the server was reused or its folder created just now. */
function announce(server: EmbeddedServer, out: Output): void {
  if (server.reused) out.debug(`reusing the embedded server already running on ${server.spec.port}`)
  if (server.created) {
    out.info(
      `Created a new embedded PostgreSQL 16 database in ${server.dataDir} (first use of this folder; set VRSS_DB_HOME or give a database URL to use another)`,
    )
  }
}

/** What `vrss-db server` shows of the server it keeps running. */
export type ServedServer = Pick<EmbeddedServer, 'spec' | 'home' | 'dataDir' | 'reused'>

/**
 * For `vrss-db server`: starts the embedded server (or takes a share in the one running) and
 * keeps it until Ctrl+C, which releases it and exits 0 (the last vrss-db process using it stops
 * it). Returns once it is up; the process then stays alive on its own, and exits 1 if the server
 * is stopped behind its back (pg_ctl, kill).
 */
export async function serveEmbedded(global: GlobalOptions, out: Output): Promise<ServedServer> {
  if (resolveTarget(global.databaseUrl, process.env).kind !== 'embedded') {
    throw usageError(
      'vrss-db server manages the embedded database, but a database URL is configured',
      'Unset DATABASE_URL / PG* variables and drop --database-url to use the embedded server.',
    )
  }
  // Ctrl+C is how this command is meant to end: exit 0 once the server is released.
  handleInterrupts({ finish: () => 0 })
  const server = await startEmbedded(
    (await loadEmbedded()).embeddedOptionsFromEnv(process.env),
    out,
  )
  onInterrupt(async () => {
    out.info('Stopping the embedded server ...')
    const stopped = await server.stop()
    if (!stopped) out.info('Other vrss-db commands still use it: the last of them stops it.')
  })
  // The server runs detached, so nothing else keeps this process alive; the timer also
  // notices a server stopped behind our back.
  setInterval(() => {
    if (server.alive()) return
    out.error(
      'The embedded server stopped',
      'It was stopped outside vrss-db; run `vrss-db server` again.',
    )
    process.exit(1)
  }, 1000)
  return server
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
  const opener = connectionOpener(spec, out, options)
  const sql = await opener.open({ max: options.maxConnections, session: options.session })
  const target: TargetInfo = {
    display,
    source,
    embedded,
    local: embedded || isLocalHost(spec.host),
    host: spec.host,
    database: spec.database,
    spec,
  }
  const interactive = Boolean(process.stdin.isTTY)
  try {
    return await fn({ sql, target, out, env, interactive, openConnection: opener.openMore })
  } catch (err) {
    const { lock_timeout: lockTimeout, statement_timeout: statementTimeout } = options.session ?? {}
    if (!lockTimeout || !statementTimeout) throw err
    const { explainTimeout } = await import('../db/sessions.js')
    throw await explainTimeout(spec, { lockTimeout, statementTimeout }, err)
  } finally {
    await opener.closeAll()
  }
}

/**
 * Opens the command's pools to `spec`, each closed at once on an interruption (registered after
 * the embedded server's release, so it runs first: connections close before the server stops)
 * and all of them closed by closeAll when the command ends.
 */
function connectionOpener(spec: ConnectionSpec, out: Output, command: ContextOptions) {
  const pools: { sql: Sql; forget: () => void }[] = []
  const open = async (options: OpenConnectionOptions): Promise<Sql> => {
    // Loaded here, not at startup: `vrss-db --help` should not pay for the driver.
    const { connect } = await import('../db/connect.js')
    const sql = await connect(options.spec ?? spec, {
      max: options.max,
      onNotice: (message) => out.info(message),
      connection: options.session,
      strict: options.strict,
    })
    // timeout 0: close at once, in-flight queries included (the server rolls them back).
    pools.push({ sql, forget: onInterrupt(() => sql.end({ timeout: 0 })) })
    return sql
  }
  return {
    open,
    /** CoreContext.openConnection. */
    openMore: (options: OpenConnectionOptions = {}) =>
      open(additionalPoolOptions(command, options)),
    /** Newest first, the command's own pool last (as the interruption handler does). */
    async closeAll(): Promise<void> {
      for (const { sql, forget } of pools.reverse()) {
        forget()
        await sql.end({ timeout: 5 })
      }
    },
  }
}

/**
 * What a pool from CoreContext.openConnection is opened with: the command's pool size and
 * session settings, with what the caller asks for on top.
 */
export function additionalPoolOptions(
  command: ContextOptions,
  options: OpenConnectionOptions,
): OpenConnectionOptions {
  const session =
    command.session || options.session ? { ...command.session, ...options.session } : undefined
  return {
    max: options.max ?? command.maxConnections,
    session,
    strict: options.strict,
    ...(options.spec ? { spec: options.spec } : {}),
  }
}
