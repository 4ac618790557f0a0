/**
 * The vrss-db program: global options, the subcommands, and usage errors (exit 2).
 * Start-up stays fast: only the command being run is loaded (with its options and help); the
 * others are registered by name and summary, which is all `vrss-db --help` shows.
 */
import { readFileSync } from 'node:fs'
import { Command, CommanderError, Option } from 'commander'
import { ExitCode, errorDocument, usageError } from './lib/errors.js'

interface CommandEntry {
  name: string
  alias?: string
  summary: string
  load: () => Promise<{ register(program: Command): Command }>
  /** Commands under this one (`migrate rollback`), registered along with it. */
  subcommands?: (() => Promise<{ register(parent: Command): Command }>)[]
}

/** The commands, in help order. Each module's register() adds options, help and the action. */
const COMMANDS: CommandEntry[] = [
  {
    name: 'migrate',
    summary: 'apply the embedded SQL phases (001 foundation … 005 feed) in order',
    load: () => import('./commands/migrate.js'),
    subcommands: [
      () => import('./commands/rollback.js'),
      () => import('./commands/migrate-lint.js'),
      () => import('./commands/migrate-trace.js'),
    ],
  },
  {
    name: 'seed',
    summary: 'load the reference tiers and realistic, deterministic fake data',
    load: () => import('./commands/seed.js'),
  },
  {
    name: 'reconcile-counters',
    alias: 'reconcile',
    summary: 'find and repair drift in denormalized counters and storage totals (the nightly job)',
    load: () => import('./commands/reconcile.js'),
  },
  {
    name: 'explain',
    summary:
      'time the critical queries with EXPLAIN ANALYZE against their targets (docs/performance.md)',
    load: () => import('./commands/explain.js'),
  },
  {
    name: 'verify-triggers',
    summary:
      'prove every trigger guarantee of docs/schema.md, leaving no trace (safe on production)',
    load: () => import('./commands/verify-triggers.js'),
  },
  {
    name: 'bench',
    summary: 'drive the write workloads on scratch copies, with and without triggers, side by side',
    load: () => import('./commands/bench.js'),
  },
  {
    name: 'status',
    summary: 'show the target, applied/pending/edited phases, missing objects and row counts',
    load: () => import('./commands/status.js'),
  },
  {
    name: 'server',
    summary: 'start the embedded PostgreSQL and keep it running until Ctrl+C',
    load: () => import('./commands/server.js'),
  },
]

/** Global options that take a value, so that their value is not taken for a command name. */
const GLOBAL_OPTIONS_WITH_VALUE = new Set(['--database-url', '--migrations-table'])

/** The command the arguments ask for (`help <command>` asks for that command's help). */
export function requestedCommand(args: string[]): string | undefined {
  const words: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    if (GLOBAL_OPTIONS_WITH_VALUE.has(arg)) i++
    else if (!arg.startsWith('-')) words.push(arg)
  }
  return words[0] === 'help' ? words[1] : words[0]
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  return String(pkg.version)
}

export async function buildProgram(args: string[] = []): Promise<Command> {
  const program = new Command('vrss-db')
    .description(
      'Database-admin CLI for the VRSS social platform: migrate, seed, reconcile, explain, verify, status.',
    )
    .version(packageVersion(), '-V, --version', 'print the version')
    .option(
      '--database-url <url>',
      'PostgreSQL URL (default: $DATABASE_URL, then the PG* variables, then the embedded server)',
    )
    .addOption(
      new Option(
        '--migrations-table <name>',
        "vrss-db's bookkeeping table (default schema_migrations), e.g. beside another tool's",
      ).env('VRSS_DB_MIGRATIONS_TABLE'),
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

  const wanted = requestedCommand(args)
  for (const entry of COMMANDS) {
    const command =
      wanted === entry.name || wanted === entry.alias
        ? await registerEntry(entry, program)
        : program.command(entry.name)
    command.description(entry.summary)
    if (entry.alias) command.alias(entry.alias)
  }

  // Every subcommand reports usage errors through main() below, never by exiting itself.
  for (const command of [program, ...program.commands]) {
    command.exitOverride()
    for (const sub of command.commands) sub.exitOverride()
  }
  return program
}

/** Loads a command and the commands under it (so that no command module loads another). */
async function registerEntry(entry: CommandEntry, program: Command): Promise<Command> {
  const command = (await entry.load()).register(program)
  for (const load of entry.subcommands ?? []) (await load()).register(command)
  return command
}

function printJson(document: unknown): void {
  process.stdout.write(`${JSON.stringify(document, null, 2)}\n`)
}

export async function main(argv: string[]): Promise<void> {
  // `vrss-db migrate --dry-run | head`: a closed pipe is not an error worth a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err
    })
  }
  const json = argv.includes('--json')
  const program = await buildProgram(argv.slice(2))
  let usageMessage = ''
  // With --json, help and the version are data too: captured here, printed as one document.
  let captured = ''
  const configure = (command: Command) => {
    command.configureOutput({
      writeOut: (text) => {
        if (json) captured += text
        else process.stdout.write(text)
      },
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
      if (json)
        printJson(
          err.code === 'commander.version' ? { version: captured.trim() } : { usage: captured },
        )
      process.exitCode = ExitCode.ok
      return
    }
    if (json) {
      printJson(errorDocument(usageError(usageMessage || err.message)))
    }
    process.exitCode = ExitCode.usage
  }
}
