// The README's example outputs are real runs (`npm run docs:examples` writes them). This runs
// each documented command again and fails when its output no longer has the README's shape:
// numbers, times, ports and host names may differ, lines and words may not.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
// @ts-expect-error: a plain .mjs script shared with the command that writes the examples
import { documented, EXAMPLES, README, runExample, shape } from '../../scripts/readme-examples.mjs'
import { runCli } from '../support/cli.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()
const readme = readFileSync(README, 'utf8')

type Example = { db: 'empty' | 'migrated' | 'seeded'; args: string[] }

describe('README examples', () => {
  it.each(Object.entries(EXAMPLES as Record<string, Example>))(
    '%s prints what the README shows',
    async (name, example) => {
      const { url } = await db.createDatabase()
      if (example.db !== 'empty')
        expect((await runCli(['migrate', '--database-url', url])).code).toBe(0)
      if (example.db === 'seeded')
        expect((await runCli(['seed', '--users', '20', '--database-url', url])).code).toBe(0)
      const output: string[] = await runExample(example, url)
      const expected: string[] = documented(readme, name).output
      expect(shape(output), 'run `npm run docs:examples` if the change is intended').toEqual(
        shape(expected),
      )
    },
  )
})
