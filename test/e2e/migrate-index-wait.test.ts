// A concurrent index build waits for every older transaction that could write its table. Phase
// 005 behind an application transaction left open: migrate says whom it waits for, goes on by
// itself once that transaction ends, and status never shows the index under construction as
// INVALID (it is being built, not broken).
import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { BIN, cleanEnv, runCli } from '../support/cli.js'
import { useTestDatabase } from '../support/db.js'
import { makePost, makeUser } from '../support/fixtures.js'
import { openTransaction } from '../support/open-transaction.js'

const db = useTestDatabase()

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 30_000) {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('phase 005 behind a long transaction', () => {
  it('migrate waits, names the transaction, and finishes once it ends; status sees a build, never an INVALID index', async () => {
    const target = await db.createDatabase()
    const first = await runCli(['migrate', '--phase', '4', '--database-url', target.url])
    expect(first.code, first.stderr).toBe(0)
    await makePost(target.sql, await makeUser(target.sql))
    const app = db.connectUrl(target.url)
    const writer = await openTransaction(app, (tx) => tx`update posts set content = 'held'`)

    const child = spawn(process.execPath, [BIN, 'migrate', '--database-url', target.url], {
      env: cleanEnv(),
    })
    let stderr = ''
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    await until(() => stderr.includes('waits'), 'the build to report its wait')
    expect(stderr).toContain(`pid ${writer.pid}`)
    expect(stderr).toContain('older transaction(s) to end')

    const during = await runCli(['status', '--json', '--database-url', target.url])
    const report = JSON.parse(during.stdout)
    expect(report.problems.invalidIndexes).toEqual([])
    expect(report.indexBuilds.map((b: { index: string }) => b.index)).toContain(
      'idx_posts_feed_author',
    )
    expect(report.findings.join('\n')).not.toContain('INVALID')

    writer.release()
    expect(await exited).toBe(0)
    const after = await runCli(['status', '--check', '--database-url', target.url])
    expect(after.code, after.stdout + after.stderr).toBe(0)
    await app.end()
  })
})
