/**
 * Checks of the database a writing command is about to change: one that every new database is
 * copied from (a template), the maintenance database, and a search_path that names no schema.
 */
import type { Sql } from '../db/connect.js'
import { query } from '../db/sql-files.js'
import { VrssError } from '../errors.js'

export interface TargetDatabase {
  database: string
  is_template: boolean
  schema: string | null
  search_path: string
}

export async function targetDatabase(sql: Sql): Promise<TargetDatabase> {
  const [row] = await query<TargetDatabase>(sql, 'queries/target-database')
  if (!row) throw new VrssError('the server did not describe the current database')
  return row
}

/** The problem and its fix when new tables would have no schema to go to. */
export function noSchemaProblem(searchPath: string): { message: string; hint: string } {
  return {
    message: `no schema to create in: the search_path (${searchPath}) names no existing schema`,
    hint: 'Create one (CREATE SCHEMA public) or set search_path for the role (ALTER ROLE … SET search_path = …).',
  }
}

export interface GuardOptions {
  /** --yes: the operator really means this database. */
  yes: boolean
  /** Nothing will be written (--dry-run): warn only. */
  dryRun?: boolean
  /** Tables will be created, so a schema to create them in is needed. */
  creates?: boolean
}

/**
 * A template's tables are inherited by every database created from it afterwards; the
 * maintenance database is rarely where an application's tables belong.
 */
/** What the guard needs of a command's context: the connection, and where warnings go. */
export interface GuardContext {
  sql: Sql
  out: { warn(message: string): void }
}

export async function guardTargetDatabase(ctx: GuardContext, options: GuardOptions): Promise<void> {
  const target = await targetDatabase(ctx.sql)
  if (target.is_template) {
    const message = `${target.database} is a template database: every database created from it afterwards would inherit what is written here`
    if (options.dryRun) ctx.out.warn(message)
    else if (!options.yes) {
      throw new VrssError(message, {
        hint: `Point --database-url at the application's database; add --yes only if you mean to change ${target.database}.`,
        code: 'TEMPLATE_DATABASE',
      })
    }
  }
  if (target.database === 'postgres') {
    ctx.out.warn(
      "postgres is the maintenance database (tools and admins connect to it); the application's tables usually belong in a database of their own",
    )
  }
  if (options.creates && target.schema === null && !options.dryRun) {
    const problem = noSchemaProblem(target.search_path)
    throw new VrssError(problem.message, { hint: problem.hint, code: 'NO_SCHEMA' })
  }
}
