// libpq's service and password files, and the embedded fallback, as a user of the CLI meets them.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../support/cli.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()
let dir = ''

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vrss-libpq-e2e-'))
  await chmod(dir, 0o755)
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function file(name: string, text: string, mode = 0o600): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, text)
  await chmod(path, mode)
  return path
}

describe('connection service and password files', () => {
  it('PGSERVICE with the password from PGPASSFILE reaches the database; no password shown', async () => {
    const url = new URL(db.url)
    const password = decodeURIComponent(url.password)
    const services = await file(
      'services.conf',
      `[vrss]\nhost=${url.hostname}\nport=${url.port}\nuser=${decodeURIComponent(url.username)}\ndbname=${db.name}\nsslmode=disable\n`,
    )
    const pgpass = await file('pgpass', `${url.hostname}:${url.port}:${db.name}:*:${password}\n`)
    const run = await runCli(['status', '--json'], {
      env: { HOME: dir, PGSERVICE: 'vrss', PGSERVICEFILE: services, PGPASSFILE: pgpass },
    })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const doc = JSON.parse(run.stdout)
    expect(doc.server.database).toBe(db.name)
    expect(doc.target.url).toContain(':****@')
    expect(run.stdout).not.toContain(password)
  })

  it('a service that does not exist is an error (1) naming it and the file', async () => {
    const services = await file('empty.conf', '[other]\nhost=x\n')
    const run = await runCli(['status'], {
      env: { HOME: dir, PGSERVICE: 'nope', PGSERVICEFILE: services },
    })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(`error: Connection service "nope" not found in ${services}`)
  })

  it('a password file others can read is ignored with a warning', async () => {
    const url = new URL(db.url)
    const pgpass = await file('open-pgpass', `*:*:*:*:${decodeURIComponent(url.password)}\n`, 0o644)
    url.password = ''
    const run = await runCli(['status', '--database-url', url.toString()], {
      env: { HOME: dir, PGPASSFILE: pgpass },
    })
    expect(run.stderr).toContain(`warning: password file ${pgpass} has group or world access`)
    expect(run.code).toBe(1)
  })

  it('?password= is masked in the JSON output', async () => {
    const url = new URL(db.url)
    const password = url.password
    url.password = ''
    const run = await runCli([
      'status',
      '--json',
      '--database-url',
      `${url.toString()}?password=${password}`,
    ])
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout).target.url).toContain(':****@')
    expect(run.stdout).not.toContain(decodeURIComponent(password))
  })

  it('a password with unencoded special characters never shows in the malformed-URL error', async () => {
    const run = await runCli(['status', '--database-url', 'postgres://u:se cr#et?x/y@h:5x/db'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(
      'Malformed database URL postgres://u:****: the port is not a number',
    )
    expect(run.stderr).not.toMatch(/cr#|et\?|se c/)
  })
})

describe('embedded fallback', () => {
  it('warns when libpq variables are set but select no server', async () => {
    const run = await runCli(['status', '--json'], {
      env: { HOME: dir, VRSS_DB_HOME: join(dir, 'embedded'), PGAPPNAME: 'mine', PGHOST: '' },
    })
    expect(run.code).toBe(0)
    expect(run.stderr).toContain(
      'warning: using the embedded server although PGHOST, PGAPPNAME are set',
    )
    expect(JSON.parse(run.stdout).target.embedded).toBe(true)
  })
})
