import { describe, expect, it } from 'vitest'
import { serverInfo } from '../../src/commands/server.js'
import { additionalPoolOptions } from '../../src/lib/cli/context.js'

describe('additionalPoolOptions: what CoreContext.openConnection opens', () => {
  it("takes the command's pool size and session settings by default", () => {
    const command = { maxConnections: 8, session: { lock_timeout: '5s' } }
    expect(additionalPoolOptions(command, {})).toEqual({
      max: 8,
      session: { lock_timeout: '5s' },
    })
  })

  it("puts the caller's settings on top of the command's", () => {
    const command = { session: { lock_timeout: '5s', statement_timeout: '1min' } }
    const options = { max: 2, session: { statement_timeout: '0', search_path: 'scratch' } }
    expect(additionalPoolOptions(command, options)).toEqual({
      max: 2,
      session: { lock_timeout: '5s', statement_timeout: '0', search_path: 'scratch' },
    })
  })

  it('sends no session settings when neither asks for any', () => {
    expect(additionalPoolOptions({}, {})).toEqual({ max: undefined, session: undefined })
  })
})

describe('serverInfo: what `vrss-db server` shows', () => {
  const server = {
    spec: {
      host: '127.0.0.1',
      port: 5433,
      database: 'vrss',
      user: 'postgres',
      password: 'p@ss',
      sslmode: 'disable' as const,
      connectTimeout: 10,
    },
    home: '/w/.vrss-db',
    dataDir: '/w/.vrss-db/data',
    reused: false,
  }

  it('masks the password unless --show-url', () => {
    expect(serverInfo(server, false).url).not.toContain('p@ss')
    expect(serverInfo(server, true).url).toBe('postgres://postgres:p%40ss@127.0.0.1:5433/vrss')
  })

  it('names the credentials file in the home folder', () => {
    expect(serverInfo(server, false)).toMatchObject({
      credentialsFile: '/w/.vrss-db/server.json',
      dataDir: '/w/.vrss-db/data',
      port: 5433,
      reused: false,
    })
  })
})
