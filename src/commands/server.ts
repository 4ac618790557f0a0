/**
 * `vrss-db server`: keeps the embedded PostgreSQL running so other tools (psql, the API, a GUI)
 * can connect; other vrss-db commands reuse it while it runs. Ctrl+C stops it cleanly (unless
 * other vrss-db commands still use it: then the last of them stops it).
 */
import type { Command } from 'commander'
import { globalOptionsOf, reportError } from '../lib/cli/command.js'
import { createOutput } from '../lib/cli/context.js'
import type { ConnectionSpec } from '../lib/db/target.js'
import { describeSpec, resolveTarget } from '../lib/db/target.js'
import { usageError } from '../lib/errors.js'

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
        if (resolveTarget(global.databaseUrl, process.env).kind !== 'embedded') {
          throw usageError(
            'vrss-db server manages the embedded database, but a database URL is configured',
            'Unset DATABASE_URL / PG* variables and drop --database-url to use the embedded server.',
          )
        }
        const { embeddedOptionsFromEnv, startEmbeddedServer } = await import(
          '../lib/db/embedded.js'
        )
        const { handleInterrupts, onInterrupt } = await import('../lib/interrupt.js')
        // Ctrl+C is how this command is meant to end: exit 0 once the server is released.
        handleInterrupts({ finish: () => 0 })
        const embedded = embeddedOptionsFromEnv(process.env)
        const server = await startEmbeddedServer({
          ...embedded,
          onLog: (line) => out.debug(`postgres: ${line}`),
          onNotice: (message) => out.info(message),
        })
        onInterrupt(async () => {
          out.info('Stopping the embedded server ...')
          const stopped = await server.stop()
          if (!stopped) out.info('Other vrss-db commands still use it: the last of them stops it.')
        })
        const info: ServerInfo = {
          url: raw.showUrl ? fullUrl(server.spec) : describeSpec(server.spec),
          host: server.spec.host,
          port: server.spec.port,
          database: server.spec.database,
          user: server.spec.user,
          dataDir: server.dataDir,
          credentialsFile: `${server.home}/server.json`,
          reused: server.reused,
        }
        if (out.json) out.document(info)
        else {
          out.print(`${server.reused ? 'Already running' : 'Running'}: ${info.url}`)
          out.print(`Data: ${info.dataDir}  (password in ${info.credentialsFile})`)
        }
        if (server.reused) {
          out.info('Another vrss-db command started it: it now stays up until Ctrl+C here.')
        }
        out.info('Press Ctrl+C to stop.')
        // The server runs detached, so nothing else keeps this process alive; the timer also
        // notices a server stopped behind our back (pg_ctl, kill).
        setInterval(() => {
          if (server.alive()) return
          out.error(
            'The embedded server stopped',
            'It was stopped outside vrss-db; run `vrss-db server` again.',
          )
          process.exit(1)
        }, 1000)
      } catch (err) {
        reportError(err, out)
      }
    })
}
