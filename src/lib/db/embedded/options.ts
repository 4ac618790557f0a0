/**
 * What the embedded server is configured with: its home folder and port from the environment,
 * its command-line settings and the connection spec its clients use. Pure: no files, no processes.
 */
import { resolve } from 'node:path'
import { parseInteger } from '../../parse.js'
import type { ConnectionSpec, Env } from '../target.js'

export interface EmbeddedOptions {
  home: string
  /** A fixed port (VRSS_DB_PORT); a free one is picked otherwise. */
  port?: number
  /** Extra `-c name=value` server settings (tests turn fsync off). */
  settings?: Record<string, string>
  /** Receives each line the server logs (shown only with --debug). */
  onLog?: (line: string) => void
  /** Told when the data goes elsewhere than `home` (as root, to a folder postgres can reach). */
  onNotice?: (message: string) => void
}

/** The superuser, its password and the database the commands use; kept in server.json. */
export interface Credentials {
  user: string
  password: string
  database: string
}

export function embeddedHome(env: Env, cwd: string = process.cwd()): string {
  return resolve(cwd, env.VRSS_DB_HOME || '.vrss-db')
}

/** The embedded server's settings from the environment: VRSS_DB_HOME and VRSS_DB_PORT. */
export function embeddedOptionsFromEnv(
  env: Env,
  cwd: string = process.cwd(),
): Pick<EmbeddedOptions, 'home' | 'port'> {
  const home = embeddedHome(env, cwd)
  if (!env.VRSS_DB_PORT) return { home }
  return { home, port: parseInteger('VRSS_DB_PORT', env.VRSS_DB_PORT, { min: 1, max: 65535 }) }
}

/** postgres's `-c name=value` arguments: the defaults below, overridden by `settings`. */
export function serverFlags(settings: Record<string, string> = {}): string[] {
  const all: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    // TCP only: no socket files left in /tmp, no clash between data folders.
    unix_socket_directories: '',
    ...settings,
  }
  return Object.entries(all).flatMap(([name, value]) => ['-c', `${name}=${value}`])
}

export function specFor(credentials: Credentials, port: number): ConnectionSpec {
  return {
    host: '127.0.0.1',
    port,
    database: credentials.database,
    user: credentials.user,
    password: credentials.password,
    sslmode: 'disable',
    connectTimeout: 10,
  }
}
