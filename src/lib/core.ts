/**
 * What a command's core (src/lib/<engine>/) works with. A core never prints, prompts or exits:
 * it gets the database and the target, reports progress as typed events through `report`, and
 * returns a typed result that the command file renders (src/commands/, docs/architecture.md).
 */
import type { Sql } from './db/connect.js'
import type { ConnectionSpec, Env, TargetSource } from './db/target.js'

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
}

/** A core's progress channel: one typed event union per engine, e.g. Report<MigrateEvent>. */
export type Report<E> = (event: E) => void

/** For callers that do not show progress (tests, other cores). */
export const silent: Report<unknown> = () => undefined
