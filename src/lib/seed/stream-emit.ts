/**
 * Where a streamed seed's generators put rows: straight into COPY text per table (no row
 * objects kept), with ids handed out from the range reserved for each table up front.
 */
import { VrssError } from '../errors.js'
import type { Random } from '../random.js'
import { SEED_COLUMNS } from './columns.js'
import { encodeRow } from './copy.js'
import type { IdStart, Value } from './dataset.js'
import type { Pools } from './pools.js'
import type { World } from './stream-world.js'

const TABLE_ORDER = Object.keys(SEED_COLUMNS)

export type StreamedTable = keyof typeof SEED_COLUMNS & keyof IdStart

export class Emitter {
  private buffers = new Map<string, string[]>()
  /** Rows written since the last take. */
  buffered = 0
  /** Rows written per table so far (all chunks). */
  readonly counts = new Map<string, number>()

  constructor(
    private readonly starts: IdStart,
    private readonly limits: Record<string, number>,
  ) {}

  /** The next id of `table`; refuses to step out of the reserved range. */
  id(table: StreamedTable): number {
    const id = this.starts[table] + (this.counts.get(table) ?? 0)
    if (id > (this.limits[table] as number)) throw outOfRange(table)
    return id
  }

  /**
   * Rows a generator numbered itself from this.id(table) on, in its own columns (which must be
   * SEED_COLUMNS[table]).
   */
  pushRows(table: StreamedTable, columns: readonly string[], rows: Value[][]): void {
    if (rows.length === 0) return
    if (columns.join() !== SEED_COLUMNS[table]?.join()) throw outOfRange(table)
    const count = this.counts.get(table) ?? 0
    if (this.starts[table] + count + rows.length - 1 > (this.limits[table] as number))
      throw outOfRange(table)
    this.counts.set(table, count + rows.length)
    this.buffered += rows.length
    const lines = this.buffers.get(table) ?? []
    this.buffers.set(table, lines)
    for (const row of rows) lines.push(encodeRow(row))
  }

  /** Appends a row whose first value is `this.id(table)`. */
  push(table: StreamedTable, row: Value[]): void {
    this.counts.set(table, (this.counts.get(table) ?? 0) + 1)
    this.buffered++
    const lines = this.buffers.get(table)
    if (lines) lines.push(encodeRow(row))
    else this.buffers.set(table, [encodeRow(row)])
  }

  /** The COPY text written since the last take, per table, in foreign-key order. */
  take(): Map<string, string> {
    const taken = new Map<string, string>()
    for (const table of TABLE_ORDER) {
      const lines = this.buffers.get(table)
      if (lines) taken.set(table, lines.join(''))
    }
    this.buffers = new Map()
    this.buffered = 0
    return taken
  }
}

function outOfRange(table: string): VrssError {
  return new VrssError(`The seed made ${table} rows it did not plan for`, {
    hint: 'This is a bug in vrss-db: please report it with the --users and --seed used.',
    code: 'SEED_RANGE',
  })
}

/** What the generators of one chunk of users share. */
export interface Chunk {
  w: World
  r: Random
  out: Emitter
  ids: IdStart
  pools: Pools
  userOrdinal: number
  /** Storage quota per user index, where a subscription sets one. */
  quotas: Map<number, number>
  /** Across chunks: near-quota users and hit posts still to make. */
  left: { heavy: number; hits: number }
}

export const userId = (c: Chunk, i: number) => c.ids.users + i
export const postId = (c: Chunk, i: number, k: number) =>
  c.ids.posts + (c.w.postStart[i] as number) + k
