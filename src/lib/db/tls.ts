/**
 * The TLS options of a connection, with libpq's rules ("SSL Support"): which certificate files
 * are read, and how much of the server's certificate is checked for each sslmode.
 */
import { readFileSync, statSync } from 'node:fs'
import { isIP } from 'node:net'
import type { ConnectionOptions } from 'node:tls'
import type { ConnectionSpec } from './target.js'

export class TlsConfigError extends Error {
  readonly code = 'TLS_CONFIG'
}

type Check = 'none' | 'chain' | 'full'

export function tlsOptions(spec: ConnectionSpec): ConnectionOptions {
  const { check, ca } = verification(spec)
  return {
    // SNI takes names only; an IP address is still checked against the certificate via host.
    servername: isIP(spec.host) ? undefined : spec.host,
    host: spec.host,
    ...(ca ? { ca } : {}),
    rejectUnauthorized: check !== 'none',
    // verify-ca: the chain must lead to the CA, whatever name the certificate is for.
    ...(check === 'chain' ? { checkServerIdentity: () => undefined } : {}),
    ...clientCertificate(spec),
  }
}

/** The rule of the root certificate file, as libpq: what sslmode asks, and whether it exists. */
function verification(spec: ConnectionSpec): { check: Check; ca?: Buffer } {
  const file = spec.sslrootcert
  // The system's trusted CAs: Node's defaults.
  if (file === 'system') return { check: 'full' }
  const ca = file ? readIfExists(file) : undefined
  switch (spec.sslmode) {
    case 'verify-ca':
    case 'verify-full':
      if (!ca) {
        throw new TlsConfigError(
          `root certificate file "${file}" does not exist, but sslmode=${spec.sslmode} needs it`,
        )
      }
      return { check: spec.sslmode === 'verify-full' ? 'full' : 'chain', ca }
    case 'require':
      // libpq keeps this for compatibility: with a root certificate file, require is verify-ca.
      return ca ? { check: 'chain', ca } : { check: 'none' }
    default:
      return { check: 'none' }
  }
}

/** A client certificate when its file exists (libpq sends none otherwise), with its key. */
function clientCertificate(spec: ConnectionSpec): { cert?: Buffer; key?: Buffer } {
  const cert = spec.sslcert ? readIfExists(spec.sslcert) : undefined
  if (!cert) return {}
  const key = spec.sslkey ? readIfExists(spec.sslkey) : undefined
  if (!key || !spec.sslkey) {
    throw new TlsConfigError(`certificate present, but not private key file "${spec.sslkey}"`)
  }
  checkKeyPermissions(spec.sslkey)
  return { cert, key }
}

/** As libpq: at most u=rw (0600), or u=rw,g=r (0640) when root owns the file. */
function checkKeyPermissions(file: string): void {
  const { uid, mode } = statSync(file)
  if ((mode & (uid === 0 ? 0o137 : 0o177)) !== 0) {
    throw new TlsConfigError(
      `private key file "${file}" has group or world access; it must be u=rw (0600) or less, or u=rw,g=r (0640) if owned by root`,
    )
  }
}

function readIfExists(file: string): Buffer | undefined {
  try {
    return readFileSync(file)
  } catch {
    return undefined
  }
}
