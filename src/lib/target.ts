/**
 * Which database a command talks to (SPEC §9): --database-url, else DATABASE_URL, else the
 * libpq PG* variables, else the embedded server. Pure functions: no I/O, easy to unit test.
 */
import { userInfo } from 'node:os'
import { usageError } from './errors.js'

export const SSL_MODES = [
  'disable',
  'allow',
  'prefer',
  'require',
  'verify-ca',
  'verify-full',
] as const
export type SslMode = (typeof SSL_MODES)[number]

export type TargetSource = '--database-url' | 'DATABASE_URL' | 'PG* variables' | 'embedded'

/** Everything needed to open a connection; the password never leaves this object unmasked. */
export interface ConnectionSpec {
  host: string
  port: number
  database: string
  user: string
  password: string | undefined
  sslmode: SslMode
  /** Seconds to wait for the server before giving up. */
  connectTimeout: number
}

export type Target =
  | { kind: 'server'; source: Exclude<TargetSource, 'embedded'>; spec: ConnectionSpec }
  | { kind: 'embedded'; source: 'embedded' }

export type Env = Record<string, string | undefined>

/** The libpq variables that select a server instead of the embedded one. */
export const PG_VARIABLES = [
  'PGHOST',
  'PGHOSTADDR',
  'PGPORT',
  'PGDATABASE',
  'PGUSER',
  'PGPASSWORD',
  'PGSSLMODE',
] as const

const DEFAULT_CONNECT_TIMEOUT_SECONDS = 10

export function resolveTarget(databaseUrl: string | undefined, env: Env): Target {
  if (databaseUrl !== undefined && databaseUrl !== '') {
    return { kind: 'server', source: '--database-url', spec: parseDatabaseUrl(databaseUrl, env) }
  }
  if (env.DATABASE_URL) {
    return { kind: 'server', source: 'DATABASE_URL', spec: parseDatabaseUrl(env.DATABASE_URL, env) }
  }
  if (PG_VARIABLES.some((name) => env[name])) {
    return { kind: 'server', source: 'PG* variables', spec: specFromPgVariables(env) }
  }
  return { kind: 'embedded', source: 'embedded' }
}

/** Parses a postgres:// URL; libpq PG* variables fill what the URL leaves out. */
export function parseDatabaseUrl(raw: string, env: Env = {}): ConnectionSpec {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw malformedUrl(raw, 'it cannot be parsed as a URL')
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw malformedUrl(raw, `the scheme is "${url.protocol.replace(/:$/, '')}", not postgres`)
  }
  const query = url.searchParams
  const host = query.get('host') ?? stripBrackets(url.hostname) ?? ''
  const user = decode(url.username) || env.PGUSER || osUser()
  return {
    host: host || env.PGHOST || 'localhost',
    port: parsePort(url.port || env.PGPORT || '5432', raw),
    database: decode(url.pathname.replace(/^\//, '')) || env.PGDATABASE || user,
    user,
    password: decode(url.password) || env.PGPASSWORD || undefined,
    sslmode: parseSslMode(query.get('sslmode') ?? env.PGSSLMODE ?? 'prefer'),
    connectTimeout: parseConnectTimeout(query.get('connect_timeout') ?? env.PGCONNECT_TIMEOUT),
  }
}

export function specFromPgVariables(env: Env): ConnectionSpec {
  const user = env.PGUSER || osUser()
  return {
    host: env.PGHOST || env.PGHOSTADDR || 'localhost',
    port: parsePort(env.PGPORT || '5432', 'PGPORT'),
    database: env.PGDATABASE || user,
    user,
    password: env.PGPASSWORD || undefined,
    sslmode: parseSslMode(env.PGSSLMODE ?? 'prefer'),
    connectTimeout: parseConnectTimeout(env.PGCONNECT_TIMEOUT),
  }
}

/** postgres://user:****@host:port/db — safe to print, log and put in JSON. */
export function describeSpec(spec: ConnectionSpec): string {
  const auth = spec.password ? `${spec.user}:****@` : `${spec.user}@`
  const host = spec.host.startsWith('/') ? `?host=${spec.host}` : ''
  const hostPart = host
    ? ''
    : `${spec.host.includes(':') ? `[${spec.host}]` : spec.host}:${spec.port}`
  return `postgres://${auth}${hostPart}/${spec.database}${host}`
}

/** Replaces the password part of any postgres URL inside free text (error messages, logs). */
export function maskUrlsInText(text: string): string {
  // Any scheme (a mistyped mysql:// URL carries a password too); greedy to the token's last @.
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)(\S*)@/gi, '$1****@')
}

export function isLocalHost(host: string): boolean {
  return (
    host === 'localhost' || host === '::1' || host.startsWith('127.') || host.startsWith('/') // a unix socket is local by definition
  )
}

function parseSslMode(value: string): SslMode {
  if ((SSL_MODES as readonly string[]).includes(value)) return value as SslMode
  throw usageError(`Unknown sslmode "${value}"`, `Use one of: ${SSL_MODES.join(', ')}.`)
}

function parsePort(value: string, where: string): number {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw usageError(`Invalid port "${value}" in ${maskUrlsInText(where)}`, 'Use 1–65535.')
  }
  return port
}

function parseConnectTimeout(value: string | null | undefined): number {
  if (value === null || value === undefined || value === '') return DEFAULT_CONNECT_TIMEOUT_SECONDS
  const seconds = Number(value)
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw usageError(`Invalid connect_timeout "${value}"`, 'Give a number of seconds above 0.')
  }
  return seconds
}

function malformedUrl(raw: string, why: string) {
  return usageError(
    `Malformed database URL ${maskUrlsInText(raw)}: ${why}`,
    'Expected postgres://user:password@host:5432/database (percent-encode special characters).',
  )
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

function stripBrackets(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1')
}

function osUser(): string {
  try {
    return userInfo().username
  } catch {
    return 'postgres'
  }
}
