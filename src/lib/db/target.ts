/**
 * Which database a command talks to (docs/cli.md): --database-url, else DATABASE_URL, else the
 * libpq PG* variables, else the embedded server; with libpq's rules for what fills in what.
 * The only I/O is reading libpq's service and password files.
 */
import { userInfo } from 'node:os'
import { join } from 'node:path'
import { usageError } from '../errors.js'
import { type Conninfo, checkKeyword, type Keyword, parseUri } from './conninfo.js'
import { type Env, homeDir, loadService, lookupPgpass } from './pgfiles.js'

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
  /** libpq's `options`: server switches such as `-c search_path=x`, sent as the server parses them. */
  options?: string
  /** Replaces vrss-db's own application_name. */
  applicationName?: string
  /** Certificate files, with libpq's defaults in ~/.postgresql; sslrootcert may be "system". */
  sslrootcert?: string
  sslcert?: string
  sslkey?: string
  /** The password file the password came from (it was not typed in), for error messages. */
  passwordFile?: string
}

export type Target =
  | {
      kind: 'server'
      source: Exclude<TargetSource, 'embedded'>
      spec: ConnectionSpec
      warnings: string[]
    }
  | { kind: 'embedded'; source: 'embedded'; warnings: string[] }

export type { Env }

/** The libpq variables that select a server instead of the embedded one. */
export const PG_VARIABLES = [
  'PGHOST',
  'PGHOSTADDR',
  'PGPORT',
  'PGDATABASE',
  'PGUSER',
  'PGPASSWORD',
  'PGSSLMODE',
  'PGSERVICE',
] as const

/** Each variable libpq reads for a keyword vrss-db honours (PGSERVICE is looked up first). */
const ENV_KEYWORDS: Record<string, Exclude<Keyword, 'service'>> = {
  PGHOST: 'host',
  PGHOSTADDR: 'hostaddr',
  PGPORT: 'port',
  PGDATABASE: 'dbname',
  PGUSER: 'user',
  PGPASSWORD: 'password',
  PGPASSFILE: 'passfile',
  PGOPTIONS: 'options',
  PGAPPNAME: 'application_name',
  PGSSLMODE: 'sslmode',
  PGSSLROOTCERT: 'sslrootcert',
  PGSSLCERT: 'sslcert',
  PGSSLKEY: 'sslkey',
  PGCONNECT_TIMEOUT: 'connect_timeout',
}

/** libpq variables vrss-db does not act on, with the keyword each stands for. */
const OTHER_ENV: Record<string, string> = {
  PGTARGETSESSIONATTRS: 'target_session_attrs',
  PGLOADBALANCEHOSTS: 'load_balance_hosts',
  PGCLIENTENCODING: 'client_encoding',
  PGSSLCOMPRESSION: 'sslcompression',
  PGSSLSNI: 'sslsni',
  PGSSLCRL: 'sslcrl',
  PGSSLCRLDIR: 'sslcrldir',
  PGSSLCERTMODE: 'sslcertmode',
  PGSSLMINPROTOCOLVERSION: 'ssl_min_protocol_version',
  PGSSLMAXPROTOCOLVERSION: 'ssl_max_protocol_version',
  PGCHANNELBINDING: 'channel_binding',
  PGREQUIREAUTH: 'require_auth',
  PGREQUIREPEER: 'requirepeer',
  PGGSSENCMODE: 'gssencmode',
  PGGSSDELEGATION: 'gssdelegation',
  PGKRBSRVNAME: 'krbsrvname',
  PGGSSLIB: 'gsslib',
  PGREQUIRESSL: 'requiressl',
}

/** Every libpq variable vrss-db knows of (tests clear them all). */
export const ALL_PG_VARIABLES = [
  ...new Set([
    ...PG_VARIABLES,
    ...Object.keys(ENV_KEYWORDS),
    ...Object.keys(OTHER_ENV),
    'PGSERVICEFILE',
    'PGSYSCONFDIR',
  ]),
]

const DEFAULT_CONNECT_TIMEOUT_SECONDS = 10

export function resolveTarget(databaseUrl: string | undefined, env: Env): Target {
  const url = databaseUrl || env.DATABASE_URL || undefined
  if (!url && !PG_VARIABLES.some((name) => env[name])) {
    return { kind: 'embedded', source: 'embedded', warnings: unusedVariables(env) }
  }
  const source = databaseUrl
    ? '--database-url'
    : env.DATABASE_URL
      ? 'DATABASE_URL'
      : 'PG* variables'
  const { spec, warnings } = buildSpec(url, env)
  return { kind: 'server', source, spec, warnings }
}

/**
 * Says loudly that libpq settings in the environment were not used: someone who set PGAPPNAME
 * or an empty PGHOST and gets the embedded server should not believe they reached their server.
 */
function unusedVariables(env: Env): string[] {
  const set = ALL_PG_VARIABLES.filter((name) => env[name] !== undefined)
  if (set.length === 0) return []
  return [
    `using the embedded server although ${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set: only --database-url, DATABASE_URL or a non-empty ${PG_VARIABLES.join('/')} select a server`,
  ]
}

/** Parses a postgres:// URL; a service, then the PG* variables, fill what the URL leaves out. */
export function parseDatabaseUrl(raw: string, env: Env = {}): ConnectionSpec {
  return buildSpec(raw, env).spec
}

export function specFromPgVariables(env: Env): ConnectionSpec {
  return buildSpec(undefined, env).spec
}

/**
 * libpq's precedence: the URL (its query parameters over its other parts), then the service's
 * settings, then the environment, then defaults; the password file only when no password is set.
 */
export function buildSpec(
  url: string | undefined,
  env: Env,
): { spec: ConnectionSpec; warnings: string[] } {
  const warnings: string[] = []
  const settings: Conninfo = {}
  if (url) {
    const parsed = parseUri(url)
    Object.assign(settings, parsed.conninfo)
    warnings.push(...parsed.warnings)
  }
  const service = settings.service || env.PGSERVICE
  if (service) {
    const found = loadService(service, env)
    fillIn(settings, found.conninfo)
    warnings.push(...found.warnings)
  }
  fillIn(settings, fromEnvironment(env, warnings))
  const spec = toSpec(settings, env)
  if (!spec.password) {
    const file = settings.passfile || join(homeDir(env), '.pgpass')
    const found = lookupPgpass(file, spec)
    warnings.push(...found.warnings)
    if (found.password !== undefined)
      Object.assign(spec, { password: found.password, passwordFile: file })
  }
  return { spec, warnings }
}

function fillIn(settings: Conninfo, more: Conninfo): void {
  for (const [key, value] of Object.entries(more) as [Keyword, string][]) settings[key] ??= value
}

function fromEnvironment(env: Env, warnings: string[]): Conninfo {
  const settings: Conninfo = {}
  for (const [name, keyword] of Object.entries(ENV_KEYWORDS)) {
    const value = env[name]
    if (value) settings[keyword] = value
  }
  for (const [name, keyword] of Object.entries(OTHER_ENV)) {
    const value = env[name]
    if (value === undefined) continue
    const { warning } = checkKeyword(keyword, value, `the environment (${name})`)
    if (warning) warnings.push(warning)
  }
  return settings
}

function toSpec(settings: Conninfo, env: Env): ConnectionSpec {
  const user = settings.user || osUser()
  const certs = join(homeDir(env), '.postgresql')
  const sslrootcert = settings.sslrootcert || join(certs, 'root.crt')
  return {
    host: settings.host || settings.hostaddr || 'localhost',
    port: parsePort(settings.port || '5432'),
    database: settings.dbname || user,
    user,
    password: settings.password || undefined,
    sslmode: sslModeFor(settings.sslmode, sslrootcert),
    connectTimeout: parseConnectTimeout(settings.connect_timeout),
    ...(settings.options ? { options: settings.options } : {}),
    ...applicationName(settings),
    sslrootcert,
    sslcert: settings.sslcert || join(certs, 'postgresql.crt'),
    sslkey: settings.sslkey || join(certs, 'postgresql.key'),
  }
}

function applicationName(settings: Conninfo): { applicationName?: string } {
  const name = settings.application_name || settings.fallback_application_name
  return name ? { applicationName: name } : {}
}

/** As libpq 16: sslrootcert=system means the system's CAs and needs verify-full. */
function sslModeFor(value: string | undefined, sslrootcert: string): SslMode {
  if (sslrootcert !== 'system') return parseSslMode(value || 'prefer')
  const mode = parseSslMode(value || 'verify-full')
  if (mode !== 'verify-full') {
    throw usageError(
      `sslrootcert=system needs sslmode=verify-full, not ${mode}`,
      'Use sslmode=verify-full (the default with sslrootcert=system).',
    )
  }
  return mode
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
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)(\S*)@/gi, '$1****@')
    .replace(/([?&]password=)[^&\s]*/gi, '$1****')
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

function parsePort(value: string): number {
  const port = Number(value)
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) {
    // A URL's port has only digits (checked when parsed): safe to show.
    throw usageError(`Invalid port "${value}"`, 'Use 1–65535.')
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

function osUser(): string {
  try {
    return userInfo().username
  } catch {
    return 'postgres'
  }
}
