/**
 * The embedded migration files: src/sql/migrations/NNN_name.sql with NNN_name.down.sql beside.
 * A file whose first lines hold `-- vrss-db:no-transaction` runs outside a transaction (for
 * CREATE INDEX CONCURRENTLY); every other file runs in one transaction.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { sqlDir } from '../db/sql-files.js'
import { splitStatements } from '../db/sql-split.js'
import { VrssError } from '../errors.js'

export interface Migration {
  version: number
  name: string
  file: string
  up: string
  down: string | undefined
  checksum: string
  transactional: boolean
}

const FILE_PATTERN = /^(\d{3})_([a-z0-9_]+)\.sql$/
const NO_TRANSACTION = /^\s*--\s*vrss-db:no-transaction\b/m

export function defaultMigrationsDir(): string {
  return join(sqlDir(), 'migrations')
}

/** Strips a BOM and turns CRLF into LF, so an editor's line endings do not count as an edit. */
export function normaliseSql(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n')
}

export function checksumOf(text: string): string {
  return createHash('sha256').update(normaliseSql(text), 'utf8').digest('hex')
}

export function loadMigrations(dir: string = defaultMigrationsDir()): Migration[] {
  const files = readdirSync(dir)
  const migrations = files
    .map((file) => ({ file, match: FILE_PATTERN.exec(file) }))
    .filter((entry): entry is { file: string; match: RegExpExecArray } => entry.match !== null)
    .map(({ file, match }): Migration => {
      const up = normaliseSql(readFileSync(join(dir, file), 'utf8'))
      const downFile = file.replace(/\.sql$/, '.down.sql')
      const down = files.includes(downFile)
        ? normaliseSql(readFileSync(join(dir, downFile), 'utf8'))
        : undefined
      return {
        version: Number(match[1]),
        name: match[2] as string,
        file,
        up,
        down,
        checksum: checksumOf(up),
        transactional: !NO_TRANSACTION.test(header(up)),
      }
    })
    .sort((a, b) => a.version - b.version)
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new VrssError(`Migration files in ${dir} are not numbered 001, 002, … without gaps`, {
        hint: `Found ${migration.file} at position ${index + 1}.`,
      })
    }
  })
  return migrations
}

/** Whether a phase's text runs in one transaction (no `-- vrss-db:no-transaction` directive). */
export function runsInTransaction(text: string): boolean {
  return !NO_TRANSACTION.test(header(text))
}

/** The comment lines at the top of a file, where directives live. */
function header(text: string): string {
  const lines = text.split('\n')
  const end = lines.findIndex((line) => line.trim() !== '' && !line.trim().startsWith('--'))
  return lines.slice(0, end === -1 ? lines.length : end).join('\n')
}

export interface DroppedObject {
  kind: string
  name: string
}

const DROP =
  /^drop\s+(table|index|function|type|trigger|view|materialized\s+view|sequence|schema)\s+(?:concurrently\s+)?(?:if\s+exists\s+)?([\s\S]+?)(?:\s+(?:cascade|restrict))?$/i

/**
 * What a down script drops, read from its DROP statements: what rollback shows before it asks,
 * and the tables whose rows it checks. Function signatures are kept whole ("f(bigint, text)").
 */
export function droppedObjects(migration: Migration): DroppedObject[] {
  const objects: DroppedObject[] = []
  const statements = splitStatements(migration.down ?? '')
  // An index dropped only to be built again (around a column type change) is not removed.
  const rebuilt = new Set(
    statements.flatMap((s) => {
      const match =
        /^create\s+(?:unique\s+)?index\s+(?:concurrently\s+)?(?:if\s+not\s+exists\s+)?(\S+)/i.exec(
          s.sql,
        )
      return match ? [match[1] as string] : []
    }),
  )
  for (const statement of statements) {
    const match = DROP.exec(statement.sql.replace(/;\s*$/, '').trim())
    if (!match) continue
    const kind = (match[1] as string).toLowerCase().replace(/\s+/g, ' ')
    for (const name of splitTopLevel(match[2] as string)) {
      const clean = name.replace(/\s+/g, ' ').replace(/\s+on\s+.*$/i, '')
      if (kind === 'index' && rebuilt.has(clean)) continue
      objects.push({ kind, name: clean })
    }
  }
  return objects
}

/** Tables a down script alters (rather than drops), e.g. a column type changed back. */
export function alteredTables(migration: Migration): string[] {
  const names: string[] = []
  for (const statement of splitStatements(migration.down ?? '')) {
    const match = /^alter\s+table\s+(?:only\s+)?(?:if\s+exists\s+)?("?[\w$]+"?)/i.exec(
      statement.sql,
    )
    if (match && !names.includes(match[1] as string)) names.push(match[1] as string)
  }
  return names
}

/** Splits "a, f(x, y), b" at the commas outside parentheses. */
function splitTopLevel(list: string): string[] {
  const parts: string[] = []
  let depth = 0
  let current = ''
  for (const ch of list) {
    if (ch === '(') depth++
    if (ch === ')') depth--
    if (ch === ',' && depth === 0) {
      parts.push(current.trim())
      current = ''
    } else current += ch
  }
  if (current.trim()) parts.push(current.trim())
  return parts
}
