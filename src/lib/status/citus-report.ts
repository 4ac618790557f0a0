/**
 * How `status --citus-readiness` reads for a person: one line of totals, then a table of what
 * would not survive the Citus plan as it is, the worst first. (The --json document is the
 * CitusReadiness object itself, under `citusReadiness`.)
 */

import type { ReadinessEffect, ReadinessItem } from '../schema/citus-check.js'
import type { CitusReadiness } from '../schema/citus-readiness.js'
import type { Output } from '../ui/output.js'
import { renderTable } from '../ui/render.js'

const ORDER: readonly ReadinessEffect[] = ['blocks', 'breaks', 'rewrite', 'setting']

const LABELS: Record<ReadinessEffect, string> = {
  blocks: 'refused by Citus',
  breaks: 'losing a guarantee',
  rewrite: 'to rewrite',
  setting: 'needing citus.enable_unsafe_triggers',
}

export function describeCounts(readiness: CitusReadiness): string {
  const parts = ORDER.filter((effect) => readiness.counts[effect] > 0).map(
    (effect) => `${readiness.counts[effect]} ${LABELS[effect]}`,
  )
  return parts.length > 0 ? parts.join(', ') : 'nothing to change'
}

export function renderCitusReadiness(readiness: CitusReadiness, out: Output): void {
  const c = out.color
  out.print()
  out.print(
    `${c.bold('Citus')}     ${readiness.tablesChecked} VRSS tables checked against ${readiness.plan}: ${describeCounts(readiness)}`,
  )
  if (readiness.items.length === 0) return
  const colour = { blocks: c.red, breaks: c.red, rewrite: c.yellow, setting: c.dim }
  out.print(
    renderTable(
      ['table', 'object', 'effect', 'why → the plan’s fix'],
      groupAlike(readiness.items).map((group) => {
        // Only the last column wraps: a group's names go there.
        const many = group.names.length > 1
        return [
          many ? `${group.tables.length} tables` : (group.tables[0] as string),
          many ? `${group.names.length} ${group.kind}s` : (group.names[0] as string),
          colour[group.effect](group.effect),
          `${many ? `${group.names.join(', ')}: ` : ''}${group.reason} → ${group.fix}`,
        ]
      }),
      out,
    ),
  )
}

interface ItemGroup {
  kind: ReadinessItem['kind']
  tables: string[]
  names: string[]
  effect: ReadinessEffect
  reason: string
  fix: string
}

/**
 * One row for items that differ only in their table (the dozen updated_at triggers), the worst
 * effect first: the table is for reading, the JSON document keeps every item.
 */
export function groupAlike(items: readonly ReadinessItem[]): ItemGroup[] {
  const groups = new Map<string, ItemGroup>()
  for (const item of items) {
    const key = `${item.effect}\n${item.reason}\n${item.fix}`
    const group = groups.get(key)
    if (group) {
      group.tables.push(item.table)
      group.names.push(item.name)
    } else {
      groups.set(key, { ...item, tables: [item.table], names: [item.name] })
    }
  }
  return [...groups.values()].sort((a, b) => ORDER.indexOf(a.effect) - ORDER.indexOf(b.effect))
}
