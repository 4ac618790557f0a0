/**
 * What `migrate rollback --to N` will do, worked out from the recorded phases and the down
 * scripts alone (no database): which phases, in which order, and the sentence the operator
 * confirms.
 */
import { checkFailed } from '../errors.js'
import type { AppliedRow } from './bookkeeping.js'
import { alteredTables, droppedObjects, type Migration } from './files.js'

/** The phases above --to, newest first; each must be known to this vrss-db. */
export function planRollback(
  applied: Pick<AppliedRow, 'version' | 'name'>[],
  options: { to: number; migrations: Migration[] },
): Migration[] {
  return applied
    .filter((row) => row.version > options.to)
    .sort((a, b) => b.version - a.version)
    .map((row) => {
      const migration = options.migrations.find((m) => m.version === row.version)
      if (!migration) {
        throw checkFailed(
          `Phase ${row.version} (${row.name}) is not in this vrss-db, so it cannot be rolled back`,
          'Use the vrss-db version that applied it.',
        )
      }
      return migration
    })
}

/** "roll back 005_feed (drops index a, b; function f(…)), then 004_… (drops tables …)". */
export function describePlan(plan: Migration[]): string {
  return `roll back ${plan.map(describePhase).join(', then ')}`
}

function describePhase(migration: Migration): string {
  const byKind = new Map<string, string[]>()
  for (const object of droppedObjects(migration)) {
    byKind.set(object.kind, [...(byKind.get(object.kind) ?? []), object.name])
  }
  const drops = [...byKind]
    .map(([kind, names]) => `${names.length > 1 ? plural(kind) : kind} ${names.join(', ')}`)
    .join('; ')
  const dropped = new Set(droppedObjects(migration).map((o) => o.name))
  const altered = alteredTables(migration).filter((t) => !dropped.has(t))
  const changes = [
    drops ? `drops ${drops}` : '',
    altered.length > 0
      ? `alters ${altered.length > 1 ? 'tables' : 'table'} ${altered.join(', ')}`
      : '',
  ].filter(Boolean)
  return `${String(migration.version).padStart(3, '0')}_${migration.name} (${changes.join('; ') || 'drops nothing'})`
}

const plural = (kind: string) => (kind === 'index' ? 'indexes' : `${kind}s`)

/** The tables a down script drops. */
export function tablesDroppedBy(migration: Migration): string[] {
  return droppedObjects(migration)
    .filter((object) => object.kind === 'table')
    .map((object) => object.name)
}

/**
 * `-- vrss-db:rows-kept <table> <how>` in a down script: the script itself carries the table's
 * rows elsewhere before dropping it (008 folds pending counter deltas into the posts columns).
 * `-- vrss-db:rows-derived <table> <from>`: the table only holds what other tables already say
 * (010's feed timelines), so dropping its rows loses nothing.
 */
const ROWS_KEPT = /^--\s*vrss-db:rows-(?:kept|derived)\s+(\S+)/gm

/** The tables a down script drops together with their rows: a rollback needs --force for these when they hold rows. */
export function tablesLosingRows(migration: Migration): string[] {
  const kept = new Set([...(migration.down ?? '').matchAll(ROWS_KEPT)].map((m) => m[1]))
  return tablesDroppedBy(migration).filter((table) => !kept.has(table))
}
