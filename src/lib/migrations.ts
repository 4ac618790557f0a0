/**
 * The embedded migration files: src/sql/migrations/NNN_name.sql with NNN_name.down.sql beside.
 * A file whose first lines hold `-- vrss-db:no-transaction` runs outside a transaction (for
 * CREATE INDEX CONCURRENTLY); every other file runs in one transaction.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { VrssError } from './errors.js'
import { sqlDir } from './sql-files.js'

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

/** The comment lines at the top of a file, where directives live. */
function header(text: string): string {
  const lines = text.split('\n')
  const end = lines.findIndex((line) => line.trim() !== '' && !line.trim().startsWith('--'))
  return lines.slice(0, end === -1 ? lines.length : end).join('\n')
}
