// A migrated database keeps the VRSS API's contract: every difference from the API's Prisma
// model is either gone or listed in contract/deviations.json with its reason.
import { beforeAll, describe, expect, it } from 'vitest'
import {
  compareWithContract,
  loadContract,
  loadDeviations,
  readCatalog,
} from '../support/api-contract.js'
import { migrateTo } from '../support/context.js'
import { useTestDatabase } from '../support/db.js'

const db = useTestDatabase()

beforeAll(async () => {
  await migrateTo(db.sql, db.url)
})

describe('the database vrss-db makes, against the API contract', () => {
  it('differs only where contract/deviations.json says why', async () => {
    const differences = compareWithContract(loadContract(), await readCatalog(db.sql))
    const documented = new Set(loadDeviations().map((d) => d.difference))
    const undocumented = differences.filter((d) => !documented.has(d.key))
    expect(
      undocumented.map(
        (d) => `${d.key}: expected ${JSON.stringify(d.expected)}, got ${JSON.stringify(d.actual)}`,
      ),
    ).toEqual([])
  })

  it('lists no deviation that no longer occurs', async () => {
    const differences = new Set(
      compareWithContract(loadContract(), await readCatalog(db.sql)).map((d) => d.key),
    )
    expect(loadDeviations().filter((d) => !differences.has(d.difference))).toEqual([])
  })
})
