// The rollback prompt shows exactly what will be rolled back, and that is what happens: the
// migration lock is taken before the question, so no migrate can slip in while a person reads.
// A real terminal (script(1) gives the child a pty) answers the prompt.
import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { BIN, cleanEnv, runCli } from '../support/cli.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()
const shellQuote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`

/** Runs bin/vrss-db on a pseudo-terminal; `answer` is typed once `prompt` appears. */
function onTerminal(args: string[]) {
  const command = [process.execPath, BIN, ...args].map(shellQuote).join(' ')
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    env: cleanEnv({ TERM: 'dumb' }),
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk) => {
    output += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  return {
    exited,
    output: () => output,
    async waitFor(text: string, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs
      while (!output.includes(text)) {
        if (Date.now() > deadline) throw new Error(`never saw "${text}" in: ${output}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    },
    type(text: string) {
      child.stdin.write(text)
    },
  }
}

async function applied(sql: typeof db.sql): Promise<number[]> {
  const rows = await sql`select version from schema_migrations order by version`
  return rows.map((r) => r.version as number)
}

describe('migrate rollback on a terminal', () => {
  it('a migrate started while the prompt waits cannot change what gets rolled back', async () => {
    const target = await db.createDatabase()
    expect((await runCli(['migrate', '--phase', '3', '--database-url', target.url])).code).toBe(0)

    const rollback = onTerminal(['migrate', 'rollback', '--to', '2', '--database-url', target.url])
    await rollback.waitFor('Type "yes"')
    expect(rollback.output()).toContain('roll back 003_features (drops tables')
    expect(rollback.output()).not.toContain('004_')

    // A deploy runs migrate meanwhile: it waits for the lock and gives up, naming the holder.
    const migrate = await runCli(['migrate', '--lock-wait', '1s', '--database-url', target.url])
    expect(migrate.code).toBe(1)
    expect(migrate.stderr).toContain('waiting for the migration lock')
    expect(await applied(target.sql)).toEqual([1, 2, 3])

    rollback.type('yes\n')
    expect(await rollback.exited).toBe(0)
    expect(rollback.output()).toContain('Rolled back 003_features')
    expect(await applied(target.sql)).toEqual([1, 2])
  })

  it('checks for rows before asking, and names the tables; phase 005 drops no tables', async () => {
    const target = await db.createDatabase()
    expect((await runCli(['migrate', '--phase', '5', '--database-url', target.url])).code).toBe(0)
    await target.sql`insert into users (username, email, password_hash) values ('someone', 'someone@example.test', 'x')`
    const refused = onTerminal(['migrate', 'rollback', '--to', '0', '--database-url', target.url])
    expect(await refused.exited).toBe(1)
    expect(refused.output()).toContain('these tables hold rows')
    expect(refused.output()).not.toContain('Type "yes"')

    const feedOnly = onTerminal(['migrate', 'rollback', '--to', '4', '--database-url', target.url])
    await feedOnly.waitFor('Type "yes"')
    expect(feedOnly.output()).toContain('roll back 005_feed (drops function vrss_feed(')
    expect(feedOnly.output()).toContain('indexes idx_posts_feed_recent, idx_posts_feed_author')
    expect(feedOnly.output()).not.toMatch(/005_feed \(drops[^)]*tables?/)
    feedOnly.type('no\n')
    expect(await feedOnly.exited).toBe(1)
    expect(await applied(target.sql)).toEqual([1, 2, 3, 4, 5])
  })
})
