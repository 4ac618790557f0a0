/**
 * Commands that are specified but not built yet: registered with their help so `--help` shows
 * the whole tool, and each says so and exits 1 when run.
 */
import type { Command } from 'commander'
import { globalOptionsOf, reportError } from '../lib/command.js'
import { createOutput } from '../lib/context.js'
import { VrssError } from '../lib/errors.js'

export interface PendingCommand {
  name: string
  alias?: string
  description: string
  examples: string[]
}

export function registerPending(program: Command, spec: PendingCommand): void {
  const command = program
    .command(spec.name)
    .description(`${spec.description} (not built yet)`)
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText('after', `\nExamples:\n${spec.examples.map((e) => `  $ ${e}`).join('\n')}`)
    .action((...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command
      reportError(
        new VrssError(`vrss-db ${spec.name} is not built yet`, {
          hint: 'It is specified in SPEC.md and on the roadmap; see the README for what works today.',
          code: 'NOT_IMPLEMENTED',
        }),
        createOutput(globalOptionsOf(cmd)),
      )
    })
  if (spec.alias) command.alias(spec.alias)
}
