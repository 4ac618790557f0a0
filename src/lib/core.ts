/**
 * What a command's core (src/lib/<engine>/) works with. A core never prints, prompts or exits:
 * it gets the database and the target, reports progress as typed events through `report`, and
 * returns a typed result that the command file renders (src/commands/, docs/architecture.md).
 */
import type { Sql } from './db/connect.js'
import type { ConnectionSpec, Env, TargetSource } from './db/target.js'
import type { ExitCode } from './errors.js'

export interface TargetInfo {
  /** Masked URL, safe to print. */
  display: string
  source: TargetSource
  embedded: boolean
  local: boolean
  host: string
  database: string
  spec: ConnectionSpec
}

export interface CoreContext {
  sql: Sql
  target: TargetInfo
  env: Env
  /** Whether a person can answer prompts (destructive operations need --yes otherwise). */
  interactive: boolean
  /**
   * A further pool of connections to the same target, for work that needs sessions of its own
   * beside `sql` (e.g. many concurrent transactions under a scratch search_path). Opened with
   * the same start-up settings as `sql` (application_name, TLS, the command's session settings,
   * with `options.session` on top) and proven with one round trip. It is closed for you when the
   * command ends and on Ctrl+C / kill (before the embedded server stops); ending it earlier
   * yourself is fine.
   */
  openConnection(options?: OpenConnectionOptions): Promise<Sql>
}

export interface OpenConnectionOptions {
  /** Pool size; the command's own pool size when undefined. */
  max?: number
  /** Start-up settings added to (or replacing) the command's, e.g. { search_path: '…' }. */
  session?: Record<string, string>
  /** The session settings are required: fail instead of connecting without them (see connect). */
  strict?: boolean
  /** Another server (e.g. a replica given by a flag, parsed like --database-url); the target when undefined. */
  spec?: ConnectionSpec
}

/** A core's progress channel: one typed event union per engine, e.g. Report<MigrateEvent>. */
export type Report<E> = (event: E) => void

/** For callers that do not show progress (tests, other cores). */
export const silent: Report<unknown> = () => undefined

/** What every command's result carries; a check that found problems sets exitCode 3. */
export interface CommandResult {
  exitCode?: ExitCode
}
