/**
 * `vrss-db migrate lint [file…]`: what each statement of a phase will lock, before it runs —
 * static rules, no database needed (so it runs in CI). `vrss-db migrate trace`
 * (commands/migrate-trace.ts) measures the same on a scratch database.
 */
import { type Command, Option } from 'commander'
import { globalOptionsOf, reportError } from '../lib/cli/command.js'
import { createOutput } from '../lib/cli/context.js'
import { usageError } from '../lib/errors.js'
import { defaultMigrationsDir, loadMigrations } from '../lib/migrate/files.js'
import { loadApiUses } from '../lib/migrate/lint/api-uses.js'
import { loadBaseline } from '../lib/migrate/lint/baseline.js'
import { selectLintFiles } from '../lib/migrate/lint/inputs.js'
import { type LintResult, lintPhases, RULES } from '../lib/migrate/lint/lint.js'
import { lintMarkdown, lintText } from '../lib/migrate/lint/render.js'
import { parseInteger } from '../lib/parse.js'
import type { Output } from '../lib/ui/output.js'
import { wrap } from '../lib/ui/render.js'

export interface LintOptions {
  paths: string[]
  phase: number | undefined
  format: 'table' | 'markdown'
  migrationsDir: string
}

export function parseLintOptions(raw: Record<string, unknown>, paths: string[]): LintOptions {
  const migrationsDir =
    typeof raw.migrationsDir === 'string' ? raw.migrationsDir : defaultMigrationsDir()
  const format = raw.format ?? 'table'
  if (format !== 'table' && format !== 'markdown')
    throw usageError(`--format must be table or markdown, got "${String(format)}"`)
  if (raw.phase !== undefined && paths.length > 0)
    throw usageError('Give either --phase N or file paths, not both')
  return {
    paths,
    phase:
      raw.phase === undefined
        ? undefined
        : parseInteger('--phase', raw.phase, {
            min: 1,
            max: loadMigrations(migrationsDir).length,
          }),
    format,
    migrationsDir,
  }
}

export function runLint(options: LintOptions): LintResult {
  const migrations = loadMigrations(options.migrationsDir)
  const selection = selectLintFiles(migrations, { phase: options.phase, paths: options.paths })
  return lintPhases({ ...selection, uses: loadApiUses(), baseline: loadBaseline() })
}

export function renderLint(result: LintResult, out: Output, options: LintOptions): void {
  for (const entry of result.staleBaseline) {
    out.warn(
      `lint-baseline.json: phase ${entry.phase} ${entry.rule} "${entry.statement}" matches no finding any more; remove the entry`,
    )
  }
  out.print(options.format === 'markdown' ? lintMarkdown(result) : lintText(result).join('\n'))
}

export function register(migrate: Command): Command {
  return migrate
    .command('lint')
    .description('check phase files for statements that lock or break the running application')
    .argument('[files...]', 'phase files to lint (a new phase); default: the embedded phases')
    .option('--phase <n>', 'lint one embedded phase')
    .option('--format <format>', 'table (default) or markdown, ready to paste into a pull request')
    .addOption(new Option('--migrations-dir <dir>', 'read migrations from this folder').hideHelp())
    .addHelpText(
      'after',
      `
${wrap(`Rules: ${RULES.map((r) => r.id).join(', ')} (docs/writing-a-phase.md).`, 96).join('\n')}
Exit 3 when a finding is an error. Suppress one statement with a comment right above it:
  -- vrss-db:lint-ignore <rule> <reason>

Examples:
  $ vrss-db migrate lint                                 # every embedded phase
  $ vrss-db migrate lint src/sql/migrations/008_new.sql  # a phase being written
  $ vrss-db migrate lint --phase 6 --format markdown`,
    )
    .action((files: string[], _opts: unknown, command: Command) => {
      const out = createOutput(globalOptionsOf(command))
      try {
        const options = parseLintOptions(command.optsWithGlobals(), files)
        const result = runLint(options)
        if (out.json) out.document(result)
        else renderLint(result, out, options)
        process.exitCode = result.exitCode
      } catch (err) {
        reportError(err, out)
      }
    })
}
