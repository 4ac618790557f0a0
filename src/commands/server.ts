/**
 * `vrss-db server`: keeps the embedded PostgreSQL running so other tools (psql, the API, a GUI)
 * can connect; other vrss-db commands reuse it while it runs. Ctrl+C stops it cleanly (unless
 * other vrss-db commands still use it: then the last of them stops it).
 */
import type { Command } from 'commander'
import { globalOptionsOf, reportError } from '../lib/cli/command.js'
import { createOutput, type ServedServer, serveEmbedded } from '../lib/cli/context.js'
import type { ConnectionSpec } from '../lib/db/target.js'
import { describeSpec } from '../lib/db/target.js'
import type { Output } from '../lib/ui/output.js'

export interface ServerInfo {
  url: string
  host: string
  port: number
  database: string
  user: string
  dataDir: string
  credentialsFile: string
  reused: boolean
}

function fullUrl(spec: ConnectionSpec): string {
  const password = spec.password ? `:${encodeURIComponent(spec.password)}` : ''
  return `postgres://${encodeURIComponent(spec.user)}${password}@${spec.host}:${spec.port}/${spec.database}`
}

export function serverInfo(server: ServedServer, showUrl: boolean): ServerInfo {
  return {
    url: showUrl ? fullUrl(server.spec) : describeSpec(server.spec),
    host: server.spec.host,
    port: server.spec.port,
    database: server.spec.database,
    user: server.spec.user,
    dataDir: server.dataDir,
    credentialsFile: `${server.home}/server.json`,
    reused: server.reused,
  }
}

function render(info: ServerInfo, out: Output): void {
  if (out.json) out.document(info)
  else {
    out.print(`${info.reused ? 'Already running' : 'Running'}: ${info.url}`)
    out.print(`Data: ${info.dataDir}  (password in ${info.credentialsFile})`)
  }
  if (info.reused) {
    out.info('Another vrss-db command started it: it now stays up until Ctrl+C here.')
  }
  out.info('Press Ctrl+C to stop.')
}

export function register(program: Command): Command {
  return program
    .command('server')
    .option('--show-url', 'print the full URL including the password (it is masked otherwise)')
    .addHelpText(
      'after',
      `
Examples:
  $ vrss-db server                 # then, in another terminal: vrss-db status
  $ VRSS_DB_PORT=54329 vrss-db server   # a fixed port, for a stable DATABASE_URL
  $ vrss-db server --show-url      # to paste the URL into psql or the API's DATABASE_URL`,
    )
    .action(async (raw: { showUrl?: boolean }, command: Command) => {
      const global = globalOptionsOf(command)
      const out = createOutput(global)
      try {
        // Returns once the server is up; it then runs until Ctrl+C.
        const server = await serveEmbedded(global, out)
        render(serverInfo(server, Boolean(raw.showUrl)), out)
      } catch (err) {
        reportError(err, out)
      }
    })
}
