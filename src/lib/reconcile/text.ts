/**
 * The words of a reconcile report, as pure functions of its result: the counter table's rows,
 * the logfmt lines of cron logs, the friendship note and the summary line.
 */
import type { Colors } from '../ui/output.js'
import { formatMs } from '../ui/render.js'
import type { RangeStarted } from './engine.js'
import type { ReconcileMode } from './options.js'
import type { ReconcileResult } from './run.js'

/** The spinner's text at the start, on each range, and at the end. */
export function progressText(mode: ReconcileMode) {
  const repair = mode === 'repair'
  return {
    start: repair ? 'Reconciling' : 'Checking for drift',
    range: (event: RangeStarted) =>
      `${repair ? 'Reconciling' : 'Checking'} ${event.table} from id ${event.firstId.toLocaleString('en-US')}`,
    done: repair ? 'Reconciled' : 'Checked',
    replica: (replica: string) => `Waiting for ${replica} to replay the primary's WAL position`,
    timelines: repair ? 'Updating feed timelines' : 'Checking feed timelines',
    waiting: (transactions: number) =>
      `Waiting for ${transactions} open transaction(s) before filling new feed timelines`,
  }
}

/** With --read-from: where drift was read, and why that replica was trusted. */
export function readFromLine(result: ReconcileResult): string | undefined {
  const r = result.readFrom
  if (!r) return undefined
  const repairs = result.mode === 'repair' ? '; repairs recounted and written on the primary' : ''
  return `Drift read on the replica ${r.replica}, after it replayed ${r.replayLsn} ≥ the primary's ${r.primaryLsn} (waited ${formatMs(r.waitedMs)})${repairs}.`
}

export function counterTableHead(mode: ReconcileMode): string[] {
  return [
    'counter',
    'checked',
    'drifted',
    'total |delta|',
    mode === 'repair' ? 'repaired' : 'would repair',
    'examples (id: expected/stored)',
  ]
}

export function counterTableRows(result: ReconcileResult, color: Colors): string[][] {
  return result.counters.map((c) => [
    c.target,
    c.checked.toLocaleString('en-US'),
    c.drifted === 0 ? '0' : color.yellow(c.drifted.toLocaleString('en-US')),
    c.totalDelta.toLocaleString('en-US'),
    (result.mode === 'repair' ? c.repaired : c.drifted).toLocaleString('en-US'),
    c.examples.map((e) => `${e.id}: ${e.expected}/${e.stored}`).join(', '),
  ])
}

/** Off a terminal (cron logs): one logfmt line per counter, easy to grep and to parse. */
export function counterLines(result: ReconcileResult): string {
  return result.counters
    .map((c) => {
      const examples = c.examples.map((e) => `${e.id}:${e.expected}/${e.stored}`).join(',')
      return [
        `counter=${c.counter}`,
        `target=${JSON.stringify(c.target)}`,
        `checked=${c.checked}`,
        `drifted=${c.drifted}`,
        `delta=${c.totalDelta}`,
        `repaired=${c.repaired}`,
        ...(examples ? [`examples=${examples}`] : []),
      ].join(' ')
    })
    .join('\n')
}

/** The note on mutual follows without a friendships row, or undefined when there are none. */
export function missingFriendshipsLine(result: ReconcileResult): string | undefined {
  const f = result.friendships
  if (f.missing === 0) return undefined
  const pairs = f.examples.map((e) => `${e.user_id_1}↔${e.user_id_2}`).join(', ')
  return `${f.missing} mutual follow(s) lack a friendships row (reported, not changed): ${pairs}`
}

/** The last line: what was found or repaired, where, how fast, and the work it took. */
export function summaryLine(result: ReconcileResult): string {
  const verb = result.mode === 'repair' ? 'repaired' : 'found'
  // JSON keys: batches = ranges checked, maxBatchMs = the longest repair transaction.
  const work =
    result.mode === 'repair'
      ? `${result.batches} ranges, ${result.transactions} repair transactions, longest ${formatMs(result.maxBatchMs)}, ${result.retries} retries${result.folded === undefined ? '' : `, pending counter deltas of ${result.folded} post(s) folded`}`
      : `${result.batches} ranges, read-only`
  const rows = result.counters.reduce((sum, c) => sum + c.drifted, 0)
  const missing = result.friendships.missing
  const reported = missing > 0 ? `, ${missing} missing friendship(s) reported` : ''
  return `${result.mode}: ${rows} drifted row(s) ${verb}${reported} on ${result.target} in ${formatMs(result.elapsedMs)} (${work}).`
}

/**
 * Phase 10's feed timelines: who has one, what the run changed (or would), and the gaps found.
 * On a terminal a sentence, in cron logs one logfmt line; undefined before phase 10.
 */
export function timelinesLine(result: ReconcileResult, terminal: boolean): string | undefined {
  const t = result.timelines
  if (!t) return undefined
  if (!terminal) {
    return `timelines ready=${t.ready} enrolled=${t.enrolled} dropped=${t.dropped} drifted=${t.drifted} missing=${t.missingEntries} repaired=${t.repairedEntries} trimmed=${t.trimmed} waiting=${t.waiting}`
  }
  const gaps =
    t.drifted === 0
      ? 'none lacked an entry'
      : `${t.drifted} lacked ${t.missingEntries} entr${t.missingEntries === 1 ? 'y' : 'ies'}${result.mode === 'repair' ? ` (${t.repairedEntries} written)` : ''}`
  if (result.mode !== 'repair') {
    return `Feed timelines: ${t.ready} ready, ${gaps}; a repair run would enrol ${t.enrolled} reader(s) and drop ${t.dropped}.`
  }
  const waiting =
    t.waiting > 0
      ? `; ${t.waiting} left unfilled behind open transactions (the next run fills them)`
      : ''
  return `Feed timelines: ${t.ready} ready, ${gaps}; ${t.enrolled} enrolled, ${t.dropped} dropped, ${t.trimmed} trimmed${waiting}.`
}
