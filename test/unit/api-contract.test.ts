// The contract (contract/vrss-api.json) is the API's Prisma model written down as facts. It must
// say exactly what the kept copy of that model says. To refresh it after updating the copy:
//   VRSS_UPDATE_CONTRACT=1 npx vitest run test/unit/api-contract.test.ts
import { readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  API_SCHEMA_FILE,
  CONTRACT_FILE,
  type Contract,
  loadContract,
  loadDeviations,
  loadStronger,
  normaliseDefault,
} from '../support/api-contract.js'
import { readPrismaModel } from '../support/prisma-model.js'

const SOURCE = {
  repository: 'dylan-gluck/vrss',
  path: 'apps/api/prisma/schema.prisma',
  commit: '3b9d45f508d716584ed769d7aa6e0da09ebe1884',
}

describe('the VRSS API contract', () => {
  it('holds exactly the facts of the kept Prisma model', () => {
    const facts = readPrismaModel(readFileSync(API_SCHEMA_FILE, 'utf8'))
    const expected: Contract = { source: SOURCE, ...facts }
    if (process.env.VRSS_UPDATE_CONTRACT) {
      writeFileSync(CONTRACT_FILE, `${JSON.stringify(expected, null, 2)}\n`)
    }
    expect(loadContract()).toEqual(expected)
  })

  it('reads the model as PostgreSQL will see it', () => {
    const { tables, enums } = loadContract()
    expect(Object.keys(tables)).toHaveLength(24)
    expect(Object.keys(enums)).toHaveLength(11)
    expect(tables.pending_uploads?.columns.id).toEqual({ type: 'uuid', nullable: false })
    expect(tables.post_media?.columns.post_id).toEqual({ type: 'bigint', nullable: true })
    expect(tables.posts?.columns.visibility).toEqual({
      type: 'ProfileVisibility',
      nullable: false,
      default: "'public'",
    })
    expect(tables.user_profiles?.columns.layout_config?.default).toBe(`'{"sections": []}'`)
    expect(tables.messages?.columns.read_by).toEqual({
      type: 'bigint[]',
      nullable: false,
      default: "'{}'",
    })
    expect(tables.verification_tokens?.unique).toEqual([['token'], ['identifier', 'token']])
    expect(tables.section_content?.columns.contentType?.type).toBe('character varying(50)')
  })

  it('normalises catalog defaults', () => {
    expect(normaliseDefault(`'published'::"PostStatus"`)).toBe("'published'")
    expect(normaliseDefault(`'{}'::bigint[]`)).toBe("'{}'")
    expect(normaliseDefault(`'AND'::character varying`)).toBe("'AND'")
    expect(normaliseDefault('now()')).toBe('now()')
    expect(normaliseDefault(null, 'd')).toBe('autoincrement')
    expect(normaliseDefault(`nextval('x_id_seq'::regclass)`)).toBe('autoincrement')
    expect(normaliseDefault('0')).toBe('0')
  })

  it('every deviation and every addition gives its reason', () => {
    for (const d of loadDeviations()) expect(d.reason.length).toBeGreaterThan(20)
    expect(loadStronger().length).toBeGreaterThan(0)
    for (const d of loadStronger()) expect(d.reason.length).toBeGreaterThan(20)
  })
})
