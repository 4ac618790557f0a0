/**
 * The files libpq reads besides the URL: the connection service file and the password file
 * (PostgreSQL 16 docs, "The Connection Service File" and "The Password File").
 */
import { readFileSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { VrssError } from '../errors.js'
import { type Conninfo, checkKeyword } from './conninfo.js'
/** Environment variables, as process.env holds them. */
export type Env = Record<string, string | undefined>

/** libpq's home: $HOME, else the user's entry in the password database. */
export function homeDir(env: Env): string {
  return env.HOME || homedir()
}

export interface Service {
  conninfo: Conninfo
  file: string
  warnings: string[]
}

/**
 * The settings of service `name`: from PGSERVICEFILE (default ~/.pg_service.conf), else from
 * PGSYSCONFDIR/pg_service.conf, as libpq looks them up. A service found nowhere is an error.
 */
export function loadService(name: string, env: Env): Service {
  const userFile = env.PGSERVICEFILE || join(homeDir(env), '.pg_service.conf')
  const files = [userFile, ...(env.PGSYSCONFDIR ? [join(env.PGSYSCONFDIR, 'pg_service.conf')] : [])]
  for (const file of files) {
    const text = readIfExists(file)
    if (text === undefined) continue
    const found = serviceSection(text, name, file)
    if (found) return { ...found, file }
  }
  throw new VrssError(`Connection service "${name}" not found in ${files.join(' or ')}`, {
    hint: 'Check PGSERVICE (or service= in the URL) and the service file (PGSERVICEFILE).',
    code: 'SERVICE_NOT_FOUND',
  })
}

function serviceSection(
  text: string,
  name: string,
  file: string,
): Omit<Service, 'file'> | undefined {
  let inSection = false
  let found: Omit<Service, 'file'> | undefined
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trim()
    if (line === '' || line.startsWith('#')) return
    const section = /^\[(.*)\]$/.exec(line)
    if (section) {
      inSection = section[1] === name
      if (inSection) found ??= { conninfo: {}, warnings: [] }
      return
    }
    if (!inSection || !found) return
    const eq = line.indexOf('=')
    const where = `${file} line ${index + 1}`
    if (eq < 0) throw serviceError(`syntax error in ${where}: expected keyword=value`)
    const key = line.slice(0, eq).trim()
    // As libpq: a service may not name another service.
    if (key === 'service') throw serviceError(`nested service specifications in ${where}`)
    const value = line.slice(eq + 1).trim()
    const { keyword, warning } = checkKeyword(key, value, where)
    if (warning) found.warnings.push(warning)
    if (keyword) found.conninfo[keyword] ??= value
  })
  return found
}

function serviceError(message: string): VrssError {
  return new VrssError(`Connection service file: ${message}`, {
    hint: 'Fix the file: [name] sections with keyword=value lines.',
    code: 'SERVICE_FILE_INVALID',
  })
}

export interface PasswordLookup {
  host: string
  port: number
  database: string
  user: string
}

export interface PgpassResult {
  password: string | undefined
  warnings: string[]
}

/**
 * The first line of the password file that matches, as libpq: fields host:port:db:user:password,
 * "*" matches anything, "\:" and "\\" are escapes; the file is ignored when group or others may
 * read it. A unix socket host also matches "localhost".
 */
export function lookupPgpass(file: string, want: PasswordLookup): PgpassResult {
  let mode: number
  try {
    const stat = statSync(file)
    if (!stat.isFile()) return { password: undefined, warnings: [] }
    mode = stat.mode
  } catch {
    return { password: undefined, warnings: [] }
  }
  if ((mode & 0o077) !== 0) {
    return {
      password: undefined,
      warnings: [
        `password file ${file} has group or world access; permissions should be u=rw (0600) or less: ignored`,
      ],
    }
  }
  const hosts = want.host.startsWith('/') ? [want.host, 'localhost'] : [want.host]
  const wanted = [hosts, [String(want.port)], [want.database], [want.user]]
  for (const line of (readIfExists(file) ?? '').split(/\r?\n/)) {
    if (line.startsWith('#')) continue
    const fields = splitPgpassLine(line)
    if (fields.length < 5) continue
    const matches = wanted.every(
      (values, i) => fields[i] === '*' || values.includes(fields[i] as string),
    )
    if (matches) return { password: fields[4], warnings: [] }
  }
  return { password: undefined, warnings: [] }
}

/** Splits on unescaped ":"; the password is the rest of the line, unescaped. */
function splitPgpassLine(line: string): string[] {
  const fields: string[] = []
  let current = ''
  for (let i = 0; i < line.length; i++) {
    const char = line[i] as string
    if (char === '\\' && i + 1 < line.length) {
      current += line[++i]
    } else if (char === ':' && fields.length < 4) {
      fields.push(current)
      current = ''
    } else {
      current += char
    }
  }
  fields.push(current)
  return fields
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}
