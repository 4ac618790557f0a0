/**
 * `vrss-db status` as text for a person: target, server, the phases table, the findings and the
 * tables with their row counts. Pure: the command prints what renderStatus returns.
 */
import type { Output } from '../ui/output.js'
import { formatBytes, formatMs, renderTable } from '../ui/render.js'
import { driftLines } from './drift-report.js'
import type { ReplicaStatus, StatusResult, TablePresence } from './types.js'

export function renderStatus(result: StatusResult, out: Output): string {
  return [
    ...headerLines(result, out),
    '',
    phaseTable(result, out),
    ...findingLines(result, out),
    '',
    ...tableLines(result, out),
  ].join('\n')
}

function headerLines(result: StatusResult, out: Output): string[] {
  const c = out.color
  const { server, target } = result
  const schema = server.schema === null ? c.red('no schema') : `schema ${server.schema}`
  const lines = [
    `${c.bold('Target')}    ${target.url}  (${target.source})`,
    `${c.bold('Server')}    PostgreSQL ${server.version}${target.embedded ? ' (embedded)' : ''}`,
    `${c.bold('Database')}  ${server.database} as ${server.user}, ${schema}, ${formatBytes(result.databaseBytes)}`,
  ]
  if (result.replica) lines.push(`${c.bold('Replica')}   ${describeReplica(result.replica)}`)
  describeReplicas(result.replicas).forEach((line, i) => {
    lines.push(`${i === 0 ? c.bold('Replicas') : '        '}  ${line}`)
  })
  return lines
}

/**
 * One line per standby streaming from the target: "app (10.0.0.7) streaming, async: replay lag
 * 1.2 ms, 0 B behind (write 0.4 ms, flush 0.9 ms)"; one line saying they are hidden when the role
 * cannot see them; nothing when there are none.
 */
export function describeReplicas(replicas: StatusResult['replicas']): string[] {
  if (replicas.count === 0) return []
  if (!replicas.visible) {
    return [
      `${replicas.count} connected, but this role cannot see their state or lag: grant it pg_monitor (or pg_read_all_stats) to list them`,
    ]
  }
  const lag = (seconds: number | null) =>
    seconds === null ? '-' : formatMs(Math.max(0, seconds) * 1000)
  return replicas.list.map((r) => {
    const who = `${r.applicationName || '(no application_name)'}${r.clientAddr ? ` (${r.clientAddr})` : ''}`
    const behind =
      r.bytesBehind === null ? '' : `, ${formatBytes(Math.max(0, r.bytesBehind))} behind`
    return `${who} ${r.state}, ${r.syncState}: replay lag ${lag(r.replayLagSeconds)}${behind} (write ${lag(r.writeLagSeconds)}, flush ${lag(r.flushLagSeconds)})`
  })
}

function phaseTable(result: StatusResult, out: Output): string {
  const c = out.color
  const stateColour = { applied: c.green, pending: c.yellow, edited: c.red, unknown: c.red }
  return renderTable(
    ['phase', 'state', 'applied at', 'took', 'by'],
    result.phases.map((p) => [
      `${String(p.version).padStart(3, '0')} ${p.name}`,
      stateColour[p.state](p.state),
      p.appliedAt ? p.appliedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '',
      p.executionMs === undefined ? '' : formatMs(p.executionMs),
      p.appliedBy ?? '',
    ]),
    out,
  )
}

function findingLines(result: StatusResult, out: Output): string[] {
  const c = out.color
  const lines: string[] = []
  if (result.findings.length === 0) {
    lines.push(
      c.green('Schema: every table, index and trigger of the applied phases is present and valid.'),
    )
  } else {
    for (const finding of result.findings) lines.push(`${c.yellow('!')} ${finding}`)
    if (result.phases.every((p) => p.state === 'pending')) {
      lines.push(
        'Nothing is migrated yet: run `vrss-db migrate`, then `vrss-db seed` for development data.',
      )
    }
  }
  lines.push(...driftLines(result.drift, out))
  for (const build of result.indexBuilds) {
    lines.push(
      `${c.dim('note:')} index ${build.index} on ${build.table} is being built right now (CREATE INDEX CONCURRENTLY in backend pid ${build.pid}); not valid until it finishes`,
    )
  }
  if (result.otherInvalidIndexes.length > 0) {
    lines.push(
      `${c.dim('note:')} INVALID indexes that are not VRSS's (left alone): ${result.otherInvalidIndexes.join(', ')}`,
    )
  }
  return lines
}

function rowCount(t: TablePresence): string {
  return t.rows === null ? '' : `${t.rowsExact ? '' : '~'}${t.rows.toLocaleString('en-US')}`
}

function tableLines(result: StatusResult, out: Output): string[] {
  const c = out.color
  const lines = [
    `${c.bold('Tables')}    ${result.tablesPresent} of ${result.tablesExpected} VRSS tables present`,
  ]
  const present = result.tables.filter((t) => t.present)
  if (present.length === 0) return lines
  lines.push(
    renderTable(
      ['table', 'rows', 'size'],
      present.map((t) => [
        t.name,
        rowCount(t),
        t.totalBytes === null ? '' : formatBytes(t.totalBytes),
      ]),
      out,
    ),
  )
  if (present.some((t) => !t.rowsExact)) {
    lines.push(
      c.dim("~ the planner's estimate (tables of 100,000 rows or more); other counts are exact"),
    )
  }
  return lines
}

/** "read-only hot standby, replay lag 0.4s (received 0/3000148, replayed 0/3000148)". */
export function describeReplica(replica: ReplicaStatus): string {
  const lag =
    replica.replayLagSeconds === null
      ? 'nothing replayed yet'
      : `replay lag ${formatMs(Math.max(0, replica.replayLagSeconds) * 1000)} since the last replayed commit`
  const last = replica.lastReplayAt ? `, last replayed commit at ${replica.lastReplayAt}` : ''
  const pending =
    replica.replayPendingBytes === null
      ? ''
      : `, ${formatBytes(replica.replayPendingBytes)} received but not replayed`
  return `read-only hot standby (writing commands run against the primary), ${lag} (received ${replica.receiveLsn ?? '-'}, replayed ${replica.replayLsn ?? '-'}${pending}${last})`
}
