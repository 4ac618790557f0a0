/**
 * Glue between commander and the command cores: builds the context, runs the core, prints its
 * result (human or JSON) and maps any error to one message and an exit code. Handlers never
 * call process.exit; they set process.exitCode.
 */
import type { Command } from 'commander'
import type { CommandResult } from '../core.js'
import { ExitCode, errorDocument, toVrssError } from '../errors.js'
import { interruptedBy } from '../interrupt.js'
import { assertSessionPooling, assertWritable, type SessionCommand } from '../preflight/checks.js'
import type { Output } from '../ui/output.js'
import { type Context, createOutput, type GlobalOptions, withContext } from './context.js'

export type { CommandResult }

export interface CommandDefinition<O, R extends CommandResult> {
  /** Turns commander's raw option values into typed options (throws usageError on bad input). */
  parse: (raw: Record<string, unknown>, args: string[]) => O
  run: (options: O, ctx: Context) => Promise<R>
  /** Human output of the result on stdout. */
  render: (result: R, out: Output, options: O) => void
  /** The JSON document; the result object itself by default. */
  toJson?: (result: R) => unknown
  maxConnections?: number
  /** Session settings of its connections (see ContextOptions.session). */
  session?: (options: O) => Record<string, string>
  /**
   * When these options make the command write: its name for the messages, and what works on a
   * read-only target instead. It then refuses a replica or read-only database before starting.
   */
  writes?: (options: O) => WritingCommand | undefined
  /**
   * When these options need one server session for the whole run (a session advisory lock):
   * the command then refuses a pooler in transaction mode before starting.
   */
  needsSession?: (options: O) => SessionCommand | undefined
  /**
   * When these options only read: the core then runs in one READ ONLY transaction with the
   * command's lock_timeout and statement_timeout set in it, so it stays read-only and bounded
   * where a pooler refused those start-up settings. Only for cores that use `ctx.sql` alone.
   */
  readOnly?: (options: O) => boolean
}

export interface WritingCommand {
  command: string
  alternative?: string
}

export function globalOptionsOf(command: Command): GlobalOptions {
  const all = command.optsWithGlobals() as Record<string, unknown>
  return {
    databaseUrl: typeof all.databaseUrl === 'string' ? all.databaseUrl : undefined,
    json: Boolean(all.json),
    color: all.color !== false,
    debug: Boolean(all.debug),
  }
}

/** The commander action for a command definition. */
export function commandAction<O, R extends CommandResult>(definition: CommandDefinition<O, R>) {
  return async (...args: unknown[]): Promise<void> => {
    const command = args[args.length - 1] as Command
    const positional = (command.args ?? []).map(String)
    const global = globalOptionsOf(command)
    const out = createOutput(global)
    try {
      // optsWithGlobals: a subcommand (migrate rollback) also sees its parent's options.
      const options = definition.parse(
        command.optsWithGlobals() as Record<string, unknown>,
        positional,
      )
      const writing = definition.writes?.(options)
      const needsSession = definition.needsSession?.(options)
      const session = definition.session?.(options)
      const result = await withContext(
        global,
        out,
        async (ctx) => {
          if (writing) await assertWritable(ctx.sql, writing.command, writing.alternative)
          if (needsSession) await assertSessionPooling(ctx.sql, needsSession)
          if (!definition.readOnly?.(options)) return definition.run(options, ctx)
          const { withReadOnlyTransaction } = await import('../db/sessions.js')
          return withReadOnlyTransaction(ctx.sql, session ?? {}, (sql) =>
            definition.run(options, { ...ctx, sql }),
          )
        },
        { maxConnections: definition.maxConnections, session },
      )
      if (interruptedBy()) return // the interruption handler reports and exits
      if (out.json) out.document(definition.toJson ? definition.toJson(result) : result)
      else definition.render(result, out, options)
      process.exitCode = result.exitCode ?? ExitCode.ok
    } catch (err) {
      reportError(err, out)
    }
  }
}

/** The one place an error becomes output and an exit code. */
export function reportError(err: unknown, out: Output): void {
  // After Ctrl+C, errors are the interruption's consequence (closed connections): its handler
  // prints the one line that matters.
  if (interruptedBy()) return
  const error = toVrssError(err)
  if (out.json) out.document(errorDocument(error))
  out.error(error.message, error.hint)
  if (out.debugEnabled) {
    const stack = (error.cause as Error | undefined)?.stack ?? error.stack
    if (stack) out.info(stack)
  }
  process.exitCode = error.exitCode
}
