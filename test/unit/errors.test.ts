import { describe, expect, it } from 'vitest'
import { describeConnectionError } from '../../src/lib/db/connect.js'
import { parseDatabaseUrl } from '../../src/lib/db/target.js'
import {
  ExitCode,
  errorDocument,
  isTimeout,
  timeoutError,
  toVrssError,
  VrssError,
} from '../../src/lib/errors.js'

const spec = parseDatabaseUrl('postgres://app:topsecret@db.example:5432/vrss')

function pgError(code: string, message: string) {
  return Object.assign(new Error(message), { name: 'PostgresError', code })
}

function sysError(code: string) {
  return Object.assign(new Error(`connect ${code}`), { code })
}

describe('describeConnectionError: one line saying what to check', () => {
  it.each([
    [sysError('ECONNREFUSED'), 'CONNECTION_REFUSED', /Connection refused by db.example:5432/],
    [sysError('ENOTFOUND'), 'HOST_UNKNOWN', /could not be resolved/],
    [sysError('EHOSTUNREACH'), 'HOST_UNREACHABLE', /unreachable/],
    [sysError('CONNECT_TIMEOUT'), 'CONNECT_TIMEOUT', /Timed out after 10s/],
    [pgError('28P01', 'password authentication failed'), 'AUTH_FAILED', /Authentication failed/],
    [pgError('3D000', 'database "vrss" does not exist'), 'DATABASE_MISSING', /does not exist/],
    [
      pgError(
        '28000',
        'no pg_hba.conf entry for host "1.2.3.4", user "app", database "vrss", no encryption',
      ),
      'TLS_REQUIRED',
      /requires TLS/,
    ],
    [sysError('ERR_SSL_WRONG_VERSION_NUMBER'), 'TLS_FAILED', /TLS handshake/],
  ])('%s → %s', (error, code, message) => {
    const described = describeConnectionError(error, spec)
    expect(described.code).toBe(code)
    expect(described.message).toMatch(message)
    expect(described.exitCode).toBe(ExitCode.runtime)
    expect(described.hint).toBeTruthy()
    expect(`${described.message} ${described.hint}`).not.toContain('topsecret')
  })

  it('names sslmode=require in the TLS-required hint', () => {
    const described = describeConnectionError(
      pgError('28000', 'no pg_hba.conf entry ... no encryption'),
      spec,
    )
    expect(described.hint).toContain('sslmode=require')
  })
})

describe('toVrssError and errorDocument', () => {
  it('renders a server error with SQLSTATE, detail and hint', () => {
    const err = Object.assign(
      new Error('duplicate key value violates unique constraint "users_username_key"'),
      {
        name: 'PostgresError',
        code: '23505',
        detail: 'Key (username)=(alice) already exists.',
        hint: undefined,
      },
    )
    const vrss = toVrssError(err)
    expect(vrss.message).toContain('[SQLSTATE 23505]')
    expect(vrss.message).toContain('Key (username)=(alice) already exists.')
    expect(errorDocument(vrss).error).toMatchObject({ code: '23505', exitCode: 1 })
  })

  it('keeps a VrssError as it is', () => {
    const original = new VrssError('boom', { exitCode: ExitCode.checkFailed })
    expect(toVrssError(original)).toBe(original)
  })

  it('turns an unknown error into an internal error with a hint', () => {
    const vrss = toVrssError(new TypeError('x is undefined'))
    expect(vrss.exitCode).toBe(1)
    expect(vrss.hint).toContain('--debug')
  })
})

describe('timeoutError: what a statement waited for and who holds it', () => {
  const timeouts = { lockTimeout: '5s', statementTimeout: '30s' }
  const blocker = {
    relation: 'posts',
    pid: 123,
    application_name: 'psql',
    state: 'idle in transaction',
    state_seconds: 42,
  }

  it('a lock timeout names the table and the holder, with the terminate hint', () => {
    const err = timeoutError(
      pgError('55P03', 'canceling statement due to lock timeout'),
      timeouts,
      blocker,
    )
    expect(err.message).toBe(
      'Gave up after 5s waiting for a lock on posts held by pid 123 (application_name "psql", idle in transaction for 42s) (lock_timeout)',
    )
    expect(err.hint).toContain('select pg_terminate_backend(123)')
    expect(err.exitCode).toBe(ExitCode.runtime)
  })

  it('a statement timeout says which limit, and the likely blocker', () => {
    const cause = pgError('57014', 'canceling statement due to statement timeout')
    expect(isTimeout(cause)).toBe(true)
    expect(timeoutError(cause, timeouts, blocker).message).toBe(
      'Gave up after 30s: a statement ran longer than statement_timeout; posts is locked by pid 123 (application_name "psql", idle in transaction for 42s)',
    )
    expect(timeoutError(cause, timeouts, undefined).message).toBe(
      'Gave up after 30s: a statement ran longer than statement_timeout',
    )
  })

  it('an operator cancel is not a timeout', () => {
    expect(isTimeout(pgError('57014', 'canceling statement due to user request'))).toBe(false)
  })
})
