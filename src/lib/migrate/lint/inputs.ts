/**
 * Which files `migrate lint` looks at: every embedded phase (the default), one of them
 * (--phase N), or files given by path — a new phase being written. A file lints with the schema
 * of the phases before it in mind: the embedded phases numbered lower than it (all of them for
 * a file whose name has no number).
 */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { usageError } from '../../errors.js'
import { type Migration, normaliseSql, runsInTransaction } from '../files.js'
import { type PhaseFile, phaseFileOf } from './lint.js'

export interface LintSelection {
  before: PhaseFile[]
  files: PhaseFile[]
}

export function selectLintFiles(
  migrations: readonly Migration[],
  choice: { phase?: number; paths: readonly string[] },
): LintSelection {
  if (choice.paths.length === 0) {
    const upTo = choice.phase ?? 0
    return {
      before: migrations.filter((m) => m.version < upTo).map(phaseFileOf),
      files: migrations.filter((m) => !choice.phase || m.version === upTo).map(phaseFileOf),
    }
  }
  const files = choice.paths.map((path) => fileAt(path, migrations))
  const first = Math.min(...files.map((f) => f.phase ?? numberOf(f.file) ?? Infinity))
  return {
    before: migrations.filter((m) => m.version < first).map(phaseFileOf),
    files,
  }
}

/** An embedded phase given by path (same name, same text) keeps its number and baseline. */
function fileAt(path: string, migrations: readonly Migration[]): PhaseFile {
  let text: string
  try {
    text = normaliseSql(readFileSync(path, 'utf8'))
  } catch (err) {
    throw usageError(`Cannot read ${path}: ${(err as Error).message}`)
  }
  const embedded = migrations.find((m) => m.file === basename(path) && m.up === text)
  if (embedded) return { ...phaseFileOf(embedded), file: path }
  return { file: path, text, transactional: runsInTransaction(text) }
}

/** 008 of 008_new_phase.sql: a new phase comes after the phases numbered below it. */
function numberOf(path: string): number | undefined {
  const match = /^(\d{3})_/.exec(basename(path))
  return match ? Number(match[1]) : undefined
}
