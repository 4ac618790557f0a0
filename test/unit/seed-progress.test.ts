// What the seed shows while it works: each generation step by name, and while loading the rows
// so far, the rate and the time left.
import { describe, expect, it } from 'vitest'
import type { IdStart } from '../../src/lib/seed/dataset.js'
import { generateDataset } from '../../src/lib/seed/generate.js'
import { loadMeter } from '../../src/lib/seed/load.js'
import { planFor } from '../../src/lib/seed/plan.js'

const ids = new Proxy({}, { get: () => 1 }) as IdStart
const tiers = [
  { id: 1, name: 'Free', storage_bytes: 52_428_800 },
  { id: 2, name: 'Basic', storage_bytes: 1_073_741_824 },
]

describe('seed progress', () => {
  it('names every generation step in order, with how many there are', async () => {
    const steps: string[] = []
    await generateDataset(planFor(20), 42, ids, tiers, (m) => steps.push(m))
    expect(steps[0]).toBe('Generating users (step 1 of 18)')
    expect(steps).toContain('Generating posts (step 3 of 18)')
    expect(steps.at(-1)).toBe('Generating pending uploads (step 18 of 18)')
  })

  it('counts rows, rate and time left as tables finish', async () => {
    const messages: string[] = []
    const table = (name: string, n: number) => ({
      table: name,
      columns: ['id'],
      rows: Array.from({ length: n }, (_, i) => [i + 1]),
    })
    const [a, b] = [table('posts', 3000), table('users', 1000)]
    const meter = loadMeter([a, b], (m) => messages.push(m))
    meter.start(a)
    await new Promise((resolve) => setTimeout(resolve, 20))
    meter.finish(a)
    meter.start(b)
    meter.finish(b)
    expect(messages[0]).toBe('Loading posts (3,000 rows) · 0 of 4,000 rows (0%)')
    expect(messages[1]).toMatch(
      /^Loaded posts · 3,000 of 4,000 rows \(75%\) · [\d,]+ rows\/s · about \d+ s left$/,
    )
    expect(messages.at(-1)).toMatch(
      /^Loaded users · 4,000 of 4,000 rows \(100%\) · [\d,]+ rows\/s · about 0 s left$/,
    )
  })
})
