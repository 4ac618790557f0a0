/**
 * How `vrss-db seed` shows its core's progress (src/lib/seed/seed.ts): spinner lines for
 * generating and loading, and warnings, all on stderr.
 */

import type { Report } from '../core.js'
import type { Output, Progress } from '../ui/output.js'
import type { SeedEvent } from './seed.js'

/** The seed's events as today's spinner lines and warnings on stderr. */
export function showProgress(out: Output): Report<SeedEvent> {
  let progress: Progress | undefined
  return (event) => {
    switch (event.type) {
      case 'interrupted-load-undone':
        return out.warn(
          `An earlier seed (started ${event.load.started_at.toISOString()} by ${event.load.started_by}) did not finish: removed the rows it had loaded into ${event.tables.length} tables, which were empty before it.`,
        )
      case 'generate-started':
        progress = out.progress(`Generating ${usersOf(event)}`)
        return
      case 'generated':
        return progress?.succeed(`Generated ${usersOf(event)}`)
      case 'load-started':
        progress = out.progress('Loading')
        return
      case 'generate-step':
      case 'load-step':
        return progress?.update(event.message)
      case 'load-failed':
        return progress?.fail('Loading failed; nothing was written')
      case 'loaded':
        return progress?.succeed('Loaded')
      case 'vacuum-failed':
        return out.warn(
          `The data is loaded, but VACUUM (ANALYZE) after it failed: ${event.error}. Run VACUUM ANALYZE later for good query plans.`,
        )
      case 'timelines-started':
        progress = out.progress('Filling the feed timelines of readers of 500+ accounts')
        return
      case 'timelines-done':
        return progress?.succeed(`Feed timelines: ${event.ready} ready`)
    }
  }
}

const usersOf = (event: { users: number; seed: number }) =>
  `${event.users.toLocaleString('en-US')} users (seed ${event.seed})`
