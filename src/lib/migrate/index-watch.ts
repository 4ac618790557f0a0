/**
 * While a CREATE INDEX CONCURRENTLY runs, a second connection looks at it every second so
 * that migrate can say what the build is waiting for (old transactions, with their pid and age)
 * instead of sitting silent for the whole --index-wait.
 */
import type { Sql } from '../db/connect.js'
import { query } from '../db/sql-files.js'

export interface IndexBuildBlocker {
  pid: number
  applicationName: string
  state: string | null
  transactionStart: string | null
}

export interface IndexBuildState {
  phase: string
  index: string
  blockers: IndexBuildBlocker[]
}

/**
 * Polls the build running in backend `pid` until the returned stop function is called; calls
 * `onChange` when the phase or the set of blockers changes. Errors of the watcher are ignored:
 * it only informs, the build itself decides success.
 */
export function watchIndexBuild(
  sql: Sql,
  pid: number,
  onChange: (state: IndexBuildState) => void,
  intervalMs = 1000,
): () => void {
  let last = ''
  let stopped = false
  const poll = async () => {
    if (stopped) return
    try {
      const [row] = await query<IndexBuildState>(sql, 'migrate/index-build-progress', [pid])
      const key = row ? `${row.phase}|${row.blockers.map((b) => b.pid).join(',')}` : ''
      if (row && key !== last && !stopped) onChange(row)
      last = key
    } catch {
      // the build's own outcome is what counts
    }
    if (!stopped) timer = setTimeout(poll, intervalMs)
  }
  let timer: NodeJS.Timeout | undefined = setTimeout(poll, intervalMs)
  return () => {
    stopped = true
    if (timer) clearTimeout(timer)
    timer = undefined
  }
}
