/**
 * A streamed seed is refused up front when it cannot finish: more users than the plan is meant
 * for, or (when the server's data directory is on this machine and visible) less free disk than
 * the rows it would write are estimated to need.
 */
import { statfsSync } from 'node:fs'
import type { CoreContext } from '../core.js'
import { query } from '../db/sql-files.js'
import { VrssError } from '../errors.js'
import type { SeedPlan } from './plan.js'
import { upperBounds } from './stream-generate.js'

/** Past this the plan makes more than ~370M rows (100× the MVP): hours and >100 GB. */
export const MAX_SEED_USERS = 1_000_000
/**
 * Disk per row, tables and indexes together, with room for WAL and the index rebuilds: a
 * deliberately generous estimate (not yet measured on the 100K-user seed; check it against
 * pg_database_size after one and tighten it).
 */
export const BYTES_PER_ROW = 300

export function estimatedBytes(plan: SeedPlan): number {
  return Object.values(upperBounds(plan)).reduce((sum, rows) => sum + rows, 0) * BYTES_PER_ROW
}

export async function assertRoom(ctx: CoreContext, plan: SeedPlan): Promise<void> {
  if (plan.users > MAX_SEED_USERS) {
    throw new VrssError(
      `--users ${plan.users} is more than the seed can make (${MAX_SEED_USERS.toLocaleString('en-US')} at most)`,
      {
        hint: 'Seed at most 1,000,000 users (~370M rows), or several databases.',
        code: 'SEED_TOO_LARGE',
      },
    )
  }
  if (!ctx.target.local) return
  const [row] = await query<{ data_directory: string | null }>(ctx.sql, 'seed/data-directory')
  if (!row?.data_directory) return
  let free: number
  try {
    const stats = statfsSync(row.data_directory)
    free = stats.bavail * stats.bsize
  } catch {
    return // not visible from this process (another container, another user): the server decides
  }
  const needed = estimatedBytes(plan)
  if (needed > free) {
    const gb = (bytes: number) => `${(bytes / 1e9).toFixed(1)} GB`
    throw new VrssError(
      `--users ${plan.users} needs about ${gb(needed)} of disk and ${row.data_directory} has ${gb(free)} free; nothing was written`,
      {
        hint: 'Free some disk space, or seed fewer users (--users).',
        code: 'SEED_NO_ROOM',
      },
    )
  }
}
