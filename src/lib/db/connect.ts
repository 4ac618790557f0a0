/**
 * Opens postgres.js connections and turns connection failures into one clear line that says
 * what to check. Passwords never appear in messages.
 */
import postgres from 'postgres'
import { isPostgresError, VrssError } from '../errors.js'
import { markSettingsRefused } from './pooling.js'
import { shellQuote } from './shell.js'
import { openSocket } from './socket.js'
import { type ConnectionSpec, describeSpec, maskUrlsInText } from './target.js'

export type Sql = postgres.Sql
export type ReservedSql = postgres.ReservedSql
export type TransactionSql = postgres.TransactionSql

export interface ConnectOptions {
  /** Where server NOTICEs go; never stdout, so --json stays one document. */
  onNotice?: (message: string) => void
  /** Pool size; commands that run things in parallel raise it. */
  max?: number
  /** Extra start-up parameters (e.g. search_path for a scratch schema). */
  connection?: Record<string, string>
  /**
   * The start-up parameters are required: fail rather than fall back to connecting without
   * them when a pooler refuses them (a scratch search_path must never silently become the
   * live schema).
   */
  strict?: boolean
}

export const APPLICATION_NAME = 'vrss-db'

export function createSql(spec: ConnectionSpec, options: ConnectOptions = {}): Sql {
  return postgres({
    host: spec.host,
    port: spec.port,
    database: spec.database,
    username: spec.user,
    password: spec.password,
    // TLS is negotiated by openSocket, which also bounds the whole attempt by connect_timeout.
    ssl: false,
    connect_timeout: spec.connectTimeout,
    max: options.max ?? 4,
    idle_timeout: 30,
    connection: {
      application_name: spec.applicationName ?? APPLICATION_NAME,
      // As libpq: `options` goes to the server as the start-up parameter it parses itself.
      ...(spec.options ? { options: spec.options } : {}),
      ...options.connection,
    },
    // Not in postgres.js' type declarations, but a documented option of its runtime.
    ...({ socket: () => openSocket(spec) } as object),
    onnotice: (notice) => options.onNotice?.(`${notice.severity ?? 'NOTICE'}: ${notice.message}`),
    // Ids, counts and byte totals are bigint; VRSS values stay far below 2^53, so plain
    // numbers are exact and far easier to use than strings.
    types: {
      bigint: { to: 20, from: [20], serialize: (x: unknown) => String(x), parse: Number },
    },
  })
}

/**
 * Opens a pool and proves it works with one round trip, so a bad target fails here with a
 * clear message rather than in the middle of a command.
 */
export async function connect(spec: ConnectionSpec, options: ConnectOptions = {}): Promise<Sql> {
  try {
    const sql = await connectOnce(spec, options)
    if (options.strict && options.connection) await assertApplied(sql, spec, options.connection)
    return sql
  } catch (err) {
    // A pooler (PgBouncer) refuses start-up parameters it does not know, such as lock_timeout:
    // connect without the session settings rather than not at all, and say what is missing.
    const cause = (err as VrssError).cause
    if (
      !options.connection ||
      !isPostgresError(cause) ||
      !/unsupported startup parameter/i.test(cause.message)
    ) {
      throw err
    }
    if (options.strict) throw settingsRequired(spec, cause.message)
    const sql = await connectOnce(spec, { ...options, connection: undefined })
    markSettingsRefused(sql)
    options.onNotice?.(
      `WARNING: the server (a pooler?) refused the session settings ${Object.keys(options.connection).join(', ')}; running without them — set them for the role instead (ALTER ROLE … SET)`,
    )
    return sql
  }
}

function settingsRequired(spec: ConnectionSpec, reason: string): VrssError {
  return new VrssError(
    `The server at ${spec.host}:${spec.port} (a pooler such as PgBouncer?) does not take the start-up settings this needs: ${reason}`,
    {
      hint: 'Give a direct URL to PostgreSQL (its own host and port, not PgBouncer\'s); see the README, "PgBouncer".',
      code: 'STARTUP_SETTINGS_REFUSED',
    },
  )
}

/**
 * Required start-up settings must be in force: a pooler told to ignore them
 * (PgBouncer's ignore_startup_parameters) accepts them and drops them silently.
 */
async function assertApplied(
  sql: Sql,
  spec: ConnectionSpec,
  settings: Record<string, string>,
): Promise<void> {
  const squash = (value: string) => value.replace(/\s+/g, '').toLowerCase()
  for (const [name, value] of Object.entries(settings)) {
    const [row] = await sql.unsafe('select current_setting($1, true) as value', [name])
    const actual = String(row?.value ?? '')
    if (squash(actual) === squash(value)) continue
    await sql.end({ timeout: 0 }).catch(() => undefined)
    throw settingsRequired(
      spec,
      `${name} is "${actual}", not "${value}" as asked at start-up (ignored by a pooler?)`,
    )
  }
}

async function connectOnce(spec: ConnectionSpec, options: ConnectOptions): Promise<Sql> {
  const sql = createSql(spec, options)
  let timer: NodeJS.Timeout | undefined
  // openSocket bounds each attempt; this bounds the step whatever postgres.js does in between
  // (it retries a connection closed during start-up). The margin lets the attempt's own, more
  // precise timeout be the one reported.
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error('connect timeout'), { code: 'CONNECT_TIMEOUT' })),
      spec.connectTimeout * 1000 + 500,
    )
  })
  try {
    await Promise.race([sql`select 1`, bound])
    return sql
  } catch (err) {
    await sql.end({ timeout: 0 }).catch(() => undefined)
    throw describeConnectionError(err, spec)
  } finally {
    clearTimeout(timer)
  }
}

/** One line per kind of failure, each naming what to check. */
export function describeConnectionError(err: unknown, spec: ConnectionSpec): VrssError {
  const target = describeSpec(spec)
  const where = `${spec.host}:${spec.port}`
  const code = (err as { code?: string } | undefined)?.code
  const make = (message: string, hint: string, errorCode: string) =>
    new VrssError(message, { hint, code: errorCode, cause: err, details: { target } })

  if (isPostgresError(err)) {
    switch (err.code) {
      case '28P01':
        return make(
          `Authentication failed for user "${spec.user}" on ${where}${spec.passwordFile ? ` with the password from the password file ${spec.passwordFile}` : ''}`,
          spec.passwordFile
            ? `Check the matching line of ${spec.passwordFile}, or give the password in the URL or PGPASSWORD.`
            : 'Check the user name and password in the URL or PGPASSWORD (or the password file, ~/.pgpass).',
          'AUTH_FAILED',
        )
      case '3D000':
        return make(
          `Database "${spec.database}" does not exist on ${where}`,
          `Create it first (createdb ${shellQuote(spec.database)}) or point the URL at an existing database.`,
          'DATABASE_MISSING',
        )
      case '28000':
        if (/no encryption|SSL off/i.test(err.message)) {
          return make(
            `The server at ${where} requires TLS: ${err.message}`,
            'Add ?sslmode=require to the URL (or set PGSSLMODE=require).',
            'TLS_REQUIRED',
          )
        }
        return make(
          `The server at ${where} refused user "${spec.user}": ${err.message}`,
          "Check the server's pg_hba.conf rules for this user, database and address.",
          'AUTH_REJECTED',
        )
      case '53300':
        return make(
          `The server at ${where} has no free connections`,
          'Try again later or raise max_connections.',
          'TOO_MANY_CONNECTIONS',
        )
      case '57P03':
        return make(
          `The server at ${where} is starting up or shutting down`,
          'Wait a moment and try again.',
          'SERVER_NOT_READY',
        )
    }
    return make(
      `Could not connect to ${target}: ${err.message} [SQLSTATE ${err.code}]`,
      'Check the connection settings.',
      err.code,
    )
  }
  switch (code) {
    case 'ECONNREFUSED':
      return make(
        `Connection refused by ${where}`,
        'Is PostgreSQL running there and listening on that port (listen_addresses, port)?',
        'CONNECTION_REFUSED',
      )
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return make(
        `Host "${spec.host}" could not be resolved`,
        'Check the host name in the URL or PGHOST.',
        'HOST_UNKNOWN',
      )
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return make(
        `Host ${where} is unreachable`,
        'Check the network path (VPN, firewall, security group) to the database host.',
        'HOST_UNREACHABLE',
      )
    case 'CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return make(
        `Timed out after ${spec.connectTimeout}s connecting to ${where}${stageOf(err)}`,
        stageOf(err).includes('TCP') || !stageOf(err)
          ? 'Check that the host and port are right and that a firewall is not dropping packets; raise connect_timeout in the URL if the server is slow.'
          : 'Something accepted the connection but did not answer as PostgreSQL does: is this a PostgreSQL server? Raise connect_timeout in the URL if it is just slow.',
        'CONNECT_TIMEOUT',
      )
    case 'PROTOCOL_ERROR':
      return make(
        `The server at ${where} does not speak the PostgreSQL protocol: ${message(err)}`,
        'Is this a PostgreSQL server? Check the host and port (another service answers there).',
        'PROTOCOL_ERROR',
      )
    case 'TLS_UNSUPPORTED':
      return make(
        `The server at ${where} does not support TLS, but sslmode=${spec.sslmode} requires it`,
        'Enable ssl on the server, or use sslmode=prefer (or disable) if plain text is acceptable.',
        'TLS_UNSUPPORTED',
      )
    case 'ENOENT':
      return make(
        `No PostgreSQL socket at ${spec.host} (port ${spec.port})`,
        'Is the server running, and is the socket directory right?',
        'CONNECTION_REFUSED',
      )
  }
  const certificate = describeCertificateError(err, spec, make)
  if (certificate) return certificate
  const text = message(err)
  if (/SSL|TLS|EPROTO|wrong version number/i.test(`${code ?? ''} ${text}`)) {
    return make(
      `TLS handshake with ${where} failed: ${text}`,
      'Is this a PostgreSQL server? If so, check its certificate, or try sslmode=prefer or disable.',
      'TLS_FAILED',
    )
  }
  if (/CONNECTION_CLOSED|ECONNRESET/.test(`${code ?? ''}`)) {
    return make(
      `The server at ${where} closed the connection during start-up`,
      'Check that this is a PostgreSQL server and, if it needs TLS, use sslmode=require.',
      'CONNECTION_CLOSED',
    )
  }
  return make(
    `Could not connect to ${target}: ${text}`,
    'Check the connection settings.',
    code ?? 'CONNECTION_FAILED',
  )
}

/** OpenSSL's verdicts on a certificate chain that does not lead to a trusted CA. */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
])

/** Our certificate settings, or the server's certificate, refused. */
function describeCertificateError(
  err: unknown,
  spec: ConnectionSpec,
  make: (message: string, hint: string, code: string) => VrssError,
): VrssError | undefined {
  const code = (err as { code?: string } | undefined)?.code ?? ''
  const where = `${spec.host}:${spec.port}`
  if (code === 'TLS_CONFIG') {
    return make(
      `Cannot set up TLS for ${where}: ${message(err)}`,
      'Check sslrootcert, sslcert and sslkey (or PGSSLROOTCERT, PGSSLCERT, PGSSLKEY; the defaults are in ~/.postgresql), or use sslmode=require to encrypt without verifying.',
      'TLS_CONFIG',
    )
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return make(
      `The server certificate at ${where} is not for "${spec.host}" (sslmode=verify-full): ${message(err)}`,
      'Connect with a host name the certificate names, or use sslmode=verify-ca to check only that a trusted CA signed it.',
      'TLS_HOSTNAME_MISMATCH',
    )
  }
  if (UNTRUSTED.has(code)) {
    // libpq's rule, easy to trip over: a root certificate file turns require into verify-ca.
    const why =
      spec.sslmode === 'require'
        ? ' (sslmode=require checks it because that file exists, as libpq does)'
        : ''
    return make(
      `The server certificate at ${where} is not trusted (sslmode=${spec.sslmode}): ${message(err)}`,
      `Check that ${spec.sslrootcert ?? 'sslrootcert'} holds the CA that signed the server's certificate${why}.`,
      'TLS_UNTRUSTED',
    )
  }
  return undefined
}

/** One line: OpenSSL's messages carry a library prefix and a trailing newline. */
function message(err: unknown): string {
  const reason = (err as { reason?: unknown } | undefined)?.reason
  const text =
    typeof reason === 'string' ? reason : err instanceof Error ? err.message : String(err)
  return maskUrlsInText(text.trim().split('\n')[0] ?? '')
}

/** Which part of the attempt timed out, when openSocket knows it. */
function stageOf(err: unknown): string {
  const match = /during (.+)$/.exec(message(err))
  return match ? ` (no answer during ${match[1]})` : ''
}
