/** A server that would not start, as one message with a hint read from its own log. */
import { join } from 'node:path'
import { VrssError } from '../../errors.js'
import { shellQuote } from '../shell.js'

/** What to do about a failed start, from what the server logged. */
export function startHint(log: string, dataDir: string): string {
  if (/could not bind|address already in use/i.test(log)) {
    return 'The port is taken by another program: choose another with VRSS_DB_PORT (or unset it to pick a free one).'
  }
  if (/lock file .* already exists/i.test(log)) {
    return `Another PostgreSQL process holds ${dataDir}; stop it, or delete ${shellQuote(join(dataDir, 'postmaster.pid'))} if none runs.`
  }
  if (/permission denied/i.test(log)) {
    return `The server cannot use ${dataDir}: check its owner and permissions, or set VRSS_DB_HOME.`
  }
  return 'Run with --debug to see the full server log.'
}

/** The server's own words, without timestamps: FATAL/ERROR lines first, else the last lines. */
export function startReason(logs: readonly string[]): string {
  const plain = logs.map((line) => line.replace(/^[\d-]+ [\d:.]+ \w+ \[\d+\] /, ''))
  const fatal = plain.filter((line) => /^(FATAL|ERROR|PANIC|initdb: error)/.test(line))
  return (fatal.length > 0 ? fatal : plain.slice(-2)).join('; ')
}

export function startFailure(
  what: string,
  dataDir: string,
  logs: string[],
  err: unknown,
): VrssError {
  const reason = err instanceof Error && err.message ? err.message : ''
  const why = startReason(logs) || reason
  return new VrssError(`The embedded PostgreSQL server ${what}${why ? `: ${why}` : ''}`, {
    hint: startHint(logs.join('\n'), dataDir),
    code: 'EMBEDDED_START_FAILED',
    details: { dataDir, log: logs.slice(-30) },
    cause: err,
  })
}
