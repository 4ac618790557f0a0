/**
 * How `vrss-db migrate` shows its core's events (spinner lines and notes on stderr) and its
 * result (stdout).
 */

import type { Report } from '../core.js'
import type { LockHolder } from '../db/sessions.js'
import type { Output, Progress } from '../ui/output.js'
import { formatMs } from '../ui/render.js'
import type { MigrateEvent, MigrateResult } from './apply.js'
import type { IndexBuildState } from './index-watch.js'

/** The core's events as today's spinner lines and notes on stderr. */
export function progressOn(out: Output): Report<MigrateEvent> {
  let progress: Progress | undefined
  return (event) => {
    if (event.type === 'lock-wait') out.info(waitingFor(event.holder))
    else if (event.type === 'phase-start') progress = out.progress(`Applying ${event.file}`)
    else if (event.type === 'phase-done')
      progress?.succeed(`Applied ${event.file}${took(event.ms)}`)
    else if (event.type === 'phase-failed') progress?.fail(failed(event.file, event.transactional))
    else if (event.type === 'retry') out.info(retrying(event))
    else if (event.type === 'index-build') {
      progress?.update(
        `Applying ${event.file}: ${event.state.index || 'index'} ${event.state.phase}`,
      )
      if (event.state.blockers.length > 0) out.info(buildWaits(event.file, event.state))
    } else out.info(event.text)
  }
}

type Retry = Extract<MigrateEvent, { type: 'retry' }>
const retrying = (e: Retry) =>
  `${e.file} gave up on a table lock (--lock-timeout) and rolled back; retry ${e.attempt} of ${e.of} in ${formatMs(e.delayMs)}`

/** Who a concurrent build waits for: old transactions, often an application idle in one. */
function buildWaits(file: string, state: IndexBuildState): string {
  const who = state.blockers
    .map(
      (b) =>
        `pid ${b.pid} (${b.applicationName || 'unknown application'}, ${b.state ?? 'unknown state'}${b.transactionStart ? `, transaction open since ${new Date(b.transactionStart).toISOString()}` : ''})`,
    )
    .join(', ')
  return `${file}: building ${state.index || 'an index'} waits (${state.phase}) for older transaction(s) to end: ${who}. It goes on by itself when they end; up to --index-wait.`
}

const waitingFor = (holder: LockHolder | undefined) =>
  `Waiting for another migration to finish${holder ? ` (pid ${holder.pid}, ${holder.application_name || 'unknown application'})` : ''} ...`
const took = (ms: number | undefined) =>
  ms === undefined ? ' (by another runner)' : ` in ${formatMs(ms)}`
const failed = (file: string, transactional: boolean) =>
  transactional
    ? `${file} failed; nothing of it was applied`
    : `${file} stopped half-way; the next migrate finishes it`

export function render(result: MigrateResult, out: Output): void {
  if (result.plan) {
    if (result.plan.length === 0) out.print('-- Nothing to apply: the database is up to date.')
    for (const step of result.plan) {
      out.print(`-- ${step.file}${step.transactional ? ' (one transaction)' : ' (no transaction)'}`)
      out.print(step.sql.trimEnd())
      out.print()
    }
    return
  }
  if (result.accepted.length > 0)
    out.print(`Accepted the edited checksum of phase(s) ${result.accepted.join(', ')}.`)
  const pending = result.pending.length > 0 ? ` (still pending: ${result.pending.join(', ')})` : ''
  if (result.applied.length === 0) {
    out.print(`Nothing to apply: ${result.target} is up to date${pending}.`)
    return
  }
  const total = result.applied.reduce((sum, p) => sum + p.executionMs, 0)
  out.print(
    `Applied ${result.applied.length} phase(s) to ${result.target} in ${formatMs(total)}${pending}.`,
  )
}
