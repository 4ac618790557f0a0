/**
 * `vrss-db status`: what the target is and what of the VRSS schema it holds.
 */
import type { Command } from 'commander'
import { type CommandResult, commandAction } from '../lib/command.js'
import type { Context } from '../lib/context.js'
import { ExitCode } from '../lib/errors.js'
import { VRSS_TABLES } from '../lib/manifest.js'
import type { Output } from '../lib/output.js'
import { formatBytes, renderTable } from '../lib/render.js'
import { query } from '../lib/sql-files.js'

export interface StatusOptions {
  check: boolean
}

export interface TablePresence {
  name: string
  present: boolean
  estimatedRows: number | null
  totalBytes: number | null
}

export interface StatusResult extends CommandResult {
  target: { url: string; source: string; embedded: boolean }
  server: { version: string; versionNum: number; database: string; user: string; schema: string }
  databaseBytes: number
  tables: TablePresence[]
  tablesPresent: number
  tablesExpected: number
}

interface ServerRow {
  server_version: string
  server_version_num: number
  database: string
  user: string
  database_bytes: number
  schema: string
}

interface TableRow {
  name: string
  estimated_rows: number
  total_bytes: number
}

export async function run(options: StatusOptions, ctx: Context): Promise<StatusResult> {
  const [server] = await query<ServerRow>(ctx.sql, 'queries/status-server')
  if (!server) throw new Error('the server returned no status row')
  const found = await query<TableRow>(ctx.sql, 'queries/status-tables', [VRSS_TABLES])
  const byName = new Map(found.map((row) => [row.name, row]))
  const tables = VRSS_TABLES.map((name): TablePresence => {
    const row = byName.get(name)
    return {
      name,
      present: Boolean(row),
      estimatedRows: row ? row.estimated_rows : null,
      totalBytes: row ? row.total_bytes : null,
    }
  })
  const tablesPresent = tables.filter((t) => t.present).length
  const incomplete = tablesPresent < VRSS_TABLES.length
  return {
    exitCode: options.check && incomplete ? ExitCode.checkFailed : ExitCode.ok,
    target: { url: ctx.target.display, source: ctx.target.source, embedded: ctx.target.embedded },
    server: {
      version: server.server_version,
      versionNum: server.server_version_num,
      database: server.database,
      user: server.user,
      schema: server.schema,
    },
    databaseBytes: server.database_bytes,
    tables,
    tablesPresent,
    tablesExpected: VRSS_TABLES.length,
  }
}

export function render(result: StatusResult, out: Output): void {
  const c = out.color
  out.print(`${c.bold('Target')}    ${result.target.url}  (${result.target.source})`)
  out.print(
    `${c.bold('Server')}    PostgreSQL ${result.server.version}${result.target.embedded ? ' (embedded)' : ''}`,
  )
  out.print(
    `${c.bold('Database')}  ${result.server.database} as ${result.server.user}, schema ${result.server.schema}, ${formatBytes(result.databaseBytes)}`,
  )
  out.print(
    `${c.bold('Tables')}    ${result.tablesPresent} of ${result.tablesExpected} VRSS tables present`,
  )
  out.print(
    renderTable(
      ['table', 'present', 'rows (est.)', 'size'],
      result.tables.map((t) => [
        t.name,
        t.present ? c.green('yes') : c.red('no'),
        t.estimatedRows === null ? '' : String(t.estimatedRows),
        t.totalBytes === null ? '' : formatBytes(t.totalBytes),
      ]),
      out,
    ),
  )
}

export function register(program: Command): void {
  program
    .command('status')
    .description('show the target database, applied phases and the VRSS tables present')
    .option('--check', 'exit 3 when anything expected is missing (for deploy scripts)')
    .addHelpText(
      'after',
      `
Examples:
  $ vrss-db status
  $ vrss-db status --json
  $ DATABASE_URL=postgres://app@db.internal/vrss vrss-db status --check`,
    )
    .action(
      commandAction<StatusOptions, StatusResult>({
        parse: (raw) => ({ check: Boolean(raw.check) }),
        run,
        render,
      }),
    )
}
