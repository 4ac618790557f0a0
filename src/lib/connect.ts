/**
 * Opens postgres.js connections and turns connection failures into one clear line that says
 * what to check. Passwords never appear in messages.
 */
import { connect as netConnect, type Socket } from 'node:net'
import postgres from 'postgres'
import { isPostgresError, VrssError } from './errors.js'
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
}

export const APPLICATION_NAME = 'vrss-db'

export function createSql(spec: ConnectionSpec, options: ConnectOptions = {}): Sql {
  return postgres({
    host: spec.host,
    port: spec.port,
    database: spec.database,
    username: spec.user,
    password: spec.password,
    ssl: sslOption(spec),
    connect_timeout: spec.connectTimeout,
    max: options.max ?? 4,
    idle_timeout: 30,
    connection: { application_name: APPLICATION_NAME, ...options.connection },
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
  const sql = createSql(spec, options)
  try {
    await sql`select 1`
    return sql
  } catch (err) {
    await sql.end({ timeout: 1 }).catch(() => undefined)
    throw describeConnectionError(err, spec)
  }
}

/**
 * Opens the TCP (or unix) socket with Nagle's algorithm off. postgres.js leaves it on, and a
 * COPY's last data packet then waits for the server's delayed ACK: ~40 ms after every COPY and
 * the query that follows it. TLS, when asked for, is still negotiated by postgres.js on top.
 */
function openSocket(spec: ConnectionSpec): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = spec.host.startsWith('/')
      ? netConnect({ path: `${spec.host}/.s.PGSQL.${spec.port}` })
      : netConnect({ host: spec.host, port: spec.port, noDelay: true })
    const timer = setTimeout(() => {
      socket.destroy()
      reject(
        Object.assign(new Error(`connect timeout ${spec.host}:${spec.port}`), {
          code: 'CONNECT_TIMEOUT',
        }),
      )
    }, spec.connectTimeout * 1000)
    socket.once('connect', () => {
      clearTimeout(timer)
      socket.removeListener('error', reject)
      resolve(socket)
    })
    socket.once('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
  })
}

function sslOption(spec: ConnectionSpec): postgres.Options<Record<string, never>>['ssl'] {
  switch (spec.sslmode) {
    case 'disable':
      return false
    case 'allow':
    case 'prefer':
      // A unix socket never speaks TLS.
      return spec.host.startsWith('/') ? false : 'prefer'
    case 'require':
      return 'require'
    case 'verify-ca':
    case 'verify-full':
      return 'verify-full'
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
          `Authentication failed for user "${spec.user}" on ${where}`,
          'Check the user name and password in the URL or PGPASSWORD.',
          'AUTH_FAILED',
        )
      case '3D000':
        return make(
          `Database "${spec.database}" does not exist on ${where}`,
          `Create it first (createdb ${spec.database}) or point the URL at an existing database.`,
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
        `Timed out after ${spec.connectTimeout}s connecting to ${where}`,
        'Check that the host and port are right and that a firewall is not dropping packets; raise connect_timeout in the URL if the server is slow.',
        'CONNECT_TIMEOUT',
      )
    case 'ENOENT':
      return make(
        `No PostgreSQL socket at ${spec.host} (port ${spec.port})`,
        'Is the server running, and is the socket directory right?',
        'CONNECTION_REFUSED',
      )
  }
  const message = err instanceof Error ? err.message : String(err)
  if (/SSL|TLS|EPROTO|wrong version number/i.test(`${code ?? ''} ${message}`)) {
    return make(
      `TLS handshake with ${where} failed: ${maskUrlsInText(message)}`,
      'The server may not support TLS: try sslmode=prefer or sslmode=disable, or check its certificate.',
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
    `Could not connect to ${target}: ${maskUrlsInText(message)}`,
    'Check the connection settings.',
    code ?? 'CONNECTION_FAILED',
  )
}
