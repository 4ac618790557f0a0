/**
 * libpq's connection parameters ("Parameter Key Words") and its URI form, parsed the way libpq
 * parses them: our own parser, because WHATWG URL parsing rejects libpq's socket forms
 * (postgres://u:pw@/db?host=/sock) and percent-decodes leniently where libpq refuses.
 * Nothing here prints a password: errors describe what is wrong, never echo the value.
 */
import { usageError } from '../errors.js'

/** Keywords vrss-db acts on. */
export const HONOURED_KEYWORDS = [
  'host',
  'hostaddr',
  'port',
  'dbname',
  'user',
  'password',
  'passfile',
  'options',
  'application_name',
  'fallback_application_name',
  'sslmode',
  'sslrootcert',
  'sslcert',
  'sslkey',
  'connect_timeout',
  'service',
] as const
export type Keyword = (typeof HONOURED_KEYWORDS)[number]
export type Conninfo = Partial<Record<Keyword, string>>

/** libpq keywords that only tune how a connection behaves: ignored with a warning. */
const IGNORED_KEYWORDS = new Set([
  'target_session_attrs',
  'load_balance_hosts',
  'keepalives',
  'keepalives_idle',
  'keepalives_interval',
  'keepalives_count',
  'tcp_user_timeout',
  'sslcompression',
  'sslsni',
  'client_encoding',
])

/** libpq keywords that ask for a protection or mode vrss-db cannot give: refused, not ignored. */
const UNSUPPORTED_KEYWORDS = new Set([
  'sslpassword',
  'sslcrl',
  'sslcrldir',
  'sslcertmode',
  'ssl_min_protocol_version',
  'ssl_max_protocol_version',
  'channel_binding',
  'require_auth',
  'requirepeer',
  'gssencmode',
  'gssdelegation',
  'krbsrvname',
  'gsslib',
  'replication',
  'requiressl',
])

export interface ParsedUrl {
  conninfo: Conninfo
  warnings: string[]
}

/**
 * A postgres:// or postgresql:// URI as libpq reads it: query parameters override the parts
 * before them; every part is percent-decoded, and a bad escape is an error.
 */
export function parseUri(raw: string): ParsedUrl {
  const scheme = /^(postgres(?:ql)?):\/\//i.exec(raw)
  if (!scheme) {
    const other = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw)
    throw malformedUrl(
      raw,
      other ? `the scheme is "${other[1]}", not postgres` : 'it cannot be parsed as a URL',
    )
  }
  const { userinfo, rest } = splitUserinfo(raw.slice(scheme[0].length))
  const conninfo: Conninfo = {}
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':')
    setPart(conninfo, 'user', colon < 0 ? userinfo : userinfo.slice(0, colon), raw, 'user name')
    if (colon >= 0) setPart(conninfo, 'password', userinfo.slice(colon + 1), raw, 'password')
  }
  const queryAt = rest.indexOf('?')
  const beforeQuery = queryAt < 0 ? rest : rest.slice(0, queryAt)
  const slash = beforeQuery.indexOf('/')
  const hostport = slash < 0 ? beforeQuery : beforeQuery.slice(0, slash)
  parseHostPort(hostport, conninfo, raw)
  if (slash >= 0) setPart(conninfo, 'dbname', beforeQuery.slice(slash + 1), raw, 'database name')
  const warnings = queryAt < 0 ? [] : parseQuery(rest.slice(queryAt + 1), conninfo, raw)
  return { conninfo, warnings }
}

/**
 * The user information ends at the last "@" before the host: a password with an unencoded
 * "@", "/", "?" or "#" is still read whole. An "@" inside the query does not count.
 */
function splitUserinfo(afterScheme: string): { userinfo: string | undefined; rest: string } {
  const query = /\?[a-z_]+=/.exec(afterScheme)
  const end = query ? query.index : afterScheme.length
  const at = afterScheme.lastIndexOf('@', end - 1)
  if (at < 0) return { userinfo: undefined, rest: afterScheme }
  return { userinfo: afterScheme.slice(0, at), rest: afterScheme.slice(at + 1) }
}

function parseHostPort(hostport: string, conninfo: Conninfo, raw: string): void {
  if (/^[^,]*,/.test(hostport) && PLAUSIBLE_HOSTPORT.test(hostport.replace(/,/g, ''))) {
    throw malformedUrl(raw, 'several hosts are not supported; give one')
  }
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(hostport)
  const colon = hostport.lastIndexOf(':')
  const host = bracketed ? bracketed[1] : colon < 0 ? hostport : hostport.slice(0, colon)
  const port = bracketed ? bracketed[2] : colon < 0 ? undefined : hostport.slice(colon + 1)
  if (!PLAUSIBLE_HOSTPORT.test(bracketed ? `[${host}]` : (host ?? ''))) {
    throw malformedUrl(
      raw,
      'the host is not a host name or address (percent-encode special characters in the password)',
    )
  }
  if (host) setPart(conninfo, 'host', host, raw, 'host')
  if (port) {
    if (!/^\d+$/.test(port)) throw malformedUrl(raw, 'the port is not a number')
    conninfo.port = port
  }
}

function parseQuery(query: string, conninfo: Conninfo, raw: string): string[] {
  const warnings: string[] = []
  let afterPassword = false
  for (const piece of query.split('&')) {
    const eq = piece.indexOf('=')
    if (eq < 0) {
      throw malformedUrl(raw, 'a query parameter has no "=" (percent-encode "&" in values as %26)')
    }
    const key = decodeOrThrow(piece.slice(0, eq), raw, 'query')
    const value = piece.slice(eq + 1)
    if (key === 'ssl') {
      // libpq's JDBC-compatible spelling.
      if (decodeOrThrow(value, raw, 'ssl parameter') !== 'true') {
        throw malformedUrl(raw, 'ssl= only takes the value true (use sslmode=)')
      }
      conninfo.sslmode = 'require'
    } else {
      // After password=, a stray piece may be the rest of a password with an unencoded "&":
      // never name it.
      const name = afterPassword ? null : key
      const decoded = decodeOrThrow(
        value,
        raw,
        name ? `${name} parameter` : 'parameter after password=',
      )
      const { keyword, warning } = checkKeyword(key, decoded, 'the database URL', name)
      if (keyword) conninfo[keyword] = decoded
      if (warning) warnings.push(warning)
    }
    if (key === 'password') afterPassword = true
  }
  return warnings
}

/**
 * What to do with keyword `key`: use it, or ignore it with a warning (tuning vrss-db lacks, or
 * a protection it lacks switched off); a protection it cannot give, or an unknown keyword, is an
 * error, as in libpq. `name` is null when the keyword may be part of a password.
 */
export function checkKeyword(
  key: string,
  value: string,
  where: string,
  name: string | null = key,
): { keyword?: Keyword; warning?: string } {
  if ((HONOURED_KEYWORDS as readonly string[]).includes(key)) return { keyword: key as Keyword }
  const off = /^(|disable|allow|prefer|0)$/.test(value)
  if (IGNORED_KEYWORDS.has(key) || (UNSUPPORTED_KEYWORDS.has(key) && off)) {
    return { warning: `ignoring ${key}= in ${where}: vrss-db does not support it` }
  }
  const what = name === null ? 'a parameter after password=' : `"${name}"`
  if (UNSUPPORTED_KEYWORDS.has(key)) {
    throw usageError(
      `The connection parameter ${what} in ${where} is not supported by vrss-db`,
      'Remove it, or connect with a tool that supports it (psql).',
    )
  }
  throw usageError(
    `Unknown connection parameter ${what} in ${where}`,
    'See "Parameter Key Words" in the libpq documentation; percent-encode "&" inside a password as %26.',
  )
}

/** A part left empty in the URL is unset, so that a service or the environment fills it. */
function setPart(conninfo: Conninfo, key: Keyword, encoded: string, raw: string, what: string) {
  const value = decodeOrThrow(encoded, raw, what)
  if (value !== '') conninfo[key] = value
}

function decodeOrThrow(encoded: string, raw: string, what: string): string {
  try {
    return decodeURIComponent(encoded)
  } catch {
    throw malformedUrl(raw, `the ${what} has a bad percent-escape (write a literal % as %25)`)
  }
}

export function malformedUrl(raw: string, why: string) {
  return usageError(
    `Malformed database URL ${maskRawUrl(raw)}: ${why}`,
    'Expected postgres://user:password@host:5432/database (percent-encode special characters).',
  )
}

/**
 * A URL as typed, safe to print even when it does not parse: a password= value is hidden to
 * the end (it may hold an unencoded "&"), and everything between "://user:" and the last "@".
 * Text without a scheme is not shown at all: it may be a password pasted in the wrong place.
 */
export function maskRawUrl(raw: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(raw)
  if (!scheme) return '(not shown)'
  const rest = raw.slice(scheme[0].length).replace(/([?&]password=).*$/is, '$1****')
  const at = rest.lastIndexOf('@')
  if (at < 0) {
    // No "@": a "host:something" whose something is no port may be a password, "/" and "?"
    // included: hide all of it.
    return scheme[0] + rest.replace(/^([^/?]*?):(?!\d*(?:[/?]|$)).*$/s, '$1:****')
  }
  const userinfo = rest.slice(0, at)
  const hostport = /^[^/?]*/.exec(rest.slice(at + 1))?.[0] ?? ''
  // What follows the "@" is no host: the "@" was part of an unencoded password; hide it all.
  if (!PLAUSIBLE_HOSTPORT.test(hostport)) return `${scheme[0]}${maskedUser(userinfo)}:****`
  const colon = userinfo.indexOf(':')
  return `${scheme[0]}${maskedUser(userinfo)}${colon < 0 ? '' : ':****'}@${rest.slice(at + 1)}`
}

/** A host name, an IP address (IPv6 in brackets) or a percent-encoded socket path; a port. */
const PLAUSIBLE_HOSTPORT = /^(\[[0-9a-fA-F:.]*\]|[A-Za-z0-9._~%-]*)(:\d*)?$/

/** The user name of "user:password"; one with URL syntax in it is a mis-split password. */
function maskedUser(userinfo: string): string {
  const colon = userinfo.indexOf(':')
  const user = colon < 0 ? userinfo : userinfo.slice(0, colon)
  return /[/?#&=@ ]/.test(user) ? '****' : user
}
