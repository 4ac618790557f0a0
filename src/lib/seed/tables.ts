/**
 * The seed's door to whole tables: emptying VRSS tables (--reset) without ever reaching into a
 * table that is not VRSS's, and the bookkeeping that lets an interrupted parallel load be undone
 * by the next run (vrss_seed_loads).
 */
import { hostname } from 'node:os'
import type { Sql, TransactionSql } from '../db/connect.js'
import { lockHolder } from '../db/sessions.js'
import { loadSql, query } from '../db/sql-files.js'
import { VrssError } from '../errors.js'
import { DERIVED_TABLES } from '../schema/manifest.js'

export const SEED_LOCK = 'vrss-db:seed'

export interface ForeignReference {
  table: string
  constraint: string
  references: string
}

/** Foreign keys of tables that are not in `tables` pointing into them. */
export function foreignReferences(
  sql: Sql | TransactionSql,
  tables: readonly string[],
): Promise<ForeignReference[]> {
  return query<ForeignReference>(sql, 'seed/foreign-references', [tables])
}

function referencedError(refs: ForeignReference[], action: string): VrssError {
  const list = refs
    .map((r) =>
      r.constraint === 'inherits from'
        ? `${r.table} (inherits from ${r.references})`
        : `${r.table} (${r.constraint} → ${r.references})`,
    )
    .join(', ')
  return new VrssError(
    `Refusing to ${action}: tables that are not VRSS's reference VRSS tables: ${list}`,
    {
      hint: 'vrss-db never empties or cascades into other tables. Empty or detach those tables yourself, or seed another database.',
      code: 'FOREIGN_REFERENCES',
      details: { references: refs },
    },
  )
}

/** Refuses (before any prompt) when emptying `tables` would have to touch another table. */
export async function assertNoForeignReferences(
  sql: Sql,
  tables: readonly string[],
  action: string,
): Promise<void> {
  const refs = await foreignReferences(sql, tables)
  if (refs.length > 0) throw referencedError(refs, action)
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`

/**
 * Empties exactly `tables` in one transaction: lock them, re-check that no other table
 * references them, optionally check `precondition` under the lock, then TRUNCATE without CASCADE
 * (which PostgreSQL itself refuses if another table still points in).
 */
export async function emptyTables(
  sql: Sql,
  tables: readonly string[],
  options: {
    action: string
    lockTimeoutMs: number
    precondition?: (tx: TransactionSql) => Promise<void>
    after?: (tx: TransactionSql) => Promise<void>
  },
): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`select set_config('lock_timeout', ${`${options.lockTimeoutMs}ms`}, true)`
    await tx.unsafe(`lock table ${tables.map(quote).join(', ')} in access exclusive mode`)
    const refs = await foreignReferences(tx, tables)
    if (refs.length > 0) throw referencedError(refs, options.action)
    await options.precondition?.(tx)
    // ONLY: even a child table created after the check above is never emptied with its parent.
    await tx.unsafe(`truncate only ${tables.map(quote).join(', ')} restart identity`)
    await options.after?.(tx)
  })
}

export interface UnfinishedLoad {
  id: number
  started_at: Date
  seed: number
  users: number
  /**
   * Per table, the highest id the load could write (its sequence was moved past it before the
   * first row, so rows of anyone else get higher ids), or the ids themselves for a table whose
   * ids are not from a sequence.
   */
  max_ids: Record<string, number | string[]>
  started_by: string
}

/** Records a parallel load before its first row is committed; returns its id. */
export async function beginLoad(
  sql: Sql,
  load: { seed: number; users: number; maxIds: Record<string, number | string[]> },
): Promise<number> {
  if (!(await loadsTableExists(sql))) await sql.unsafe(loadSql('seed/loads-create-table'))
  return sql.begin(async (tx) => {
    // Reserve the ids first: whatever anyone inserts while the load runs gets a higher id, so
    // undoing the load can tell its rows from theirs.
    for (const [table, max] of Object.entries(load.maxIds)) {
      if (typeof max !== 'number') continue
      // Only forward: an application inserting meanwhile may have moved it further already.
      await query(tx, 'seed/sequence-move-forward', [table, max])
    }
    const [row] = await query<{ id: number }>(tx, 'seed/loads-insert', [
      load.seed,
      load.users,
      JSON.stringify(load.maxIds),
      `${hostname()} pid ${process.pid}`,
    ])
    return row?.id as number
  })
}

/** A finished load leaves nothing to undo: its record goes. */
export async function finishLoad(sql: Sql, id: number): Promise<void> {
  await query(sql, 'seed/loads-forget', [[id]])
}

async function loadsTableExists(sql: Sql | TransactionSql): Promise<boolean> {
  const [row] = await query<{ exists: boolean }>(sql, 'seed/loads-table-exists')
  return Boolean(row?.exists)
}

export async function unfinishedLoads(sql: Sql | TransactionSql): Promise<UnfinishedLoad[]> {
  if (!(await loadsTableExists(sql))) return []
  return query<UnfinishedLoad>(sql, 'seed/loads-unfinished')
}

/**
 * Undoes interrupted parallel loads. Such a load only ever ran into empty tables, so emptying
 * them restores exactly the state before it — unless someone wrote rows since (ids above what
 * the load could write): then nothing is touched and the operator is told.
 */
export async function undoUnfinishedLoads(
  sql: Sql,
  loads: UnfinishedLoad[],
  lockTimeoutMs: number,
): Promise<string[]> {
  const maxIds: Record<string, number | string[]> = {}
  for (const load of loads) {
    for (const [table, max] of Object.entries(load.max_ids)) {
      const known = maxIds[table]
      maxIds[table] =
        typeof max === 'number'
          ? Math.max(typeof known === 'number' ? known : 0, max)
          : [...(Array.isArray(known) ? known : []), ...max]
    }
  }
  const tables = Object.keys(maxIds)
  // The feed timelines hold only what the loaded tables say (reconcile rebuilds them), and they
  // point at the loaded users: they are emptied with them, whatever they hold.
  const derived = await query<{ table: string }>(sql, 'seed/tables-present', [DERIVED_TABLES])
  await emptyTables(sql, [...tables, ...derived.map((d) => d.table)], {
    action: 'undo the interrupted seed',
    lockTimeoutMs,
    precondition: async (tx) => {
      for (const table of tables) {
        const max = maxIds[table] as number | string[]
        const [row] =
          typeof max === 'number'
            ? await tx`select exists (select 1 from ${tx(table)} where id > ${max}) as newer`
            : await tx`
                select exists (select 1 from ${tx(table)}
                  where id::text not in (select jsonb_array_elements_text(${tx.json(max)}))) as newer`
        if (row?.newer) {
          throw new VrssError(
            `An earlier seed (started ${loads[0]?.started_at.toISOString()}) did not finish, and ${table} has rows it did not write since`,
            {
              hint: 'Nothing was changed. Check the data; `vrss-db seed --reset` empties the VRSS tables.',
              code: 'SEED_UNFINISHED',
            },
          )
        }
      }
    },
    after: async (tx) => {
      await query(tx, 'seed/loads-forget', [loads.map((l) => l.id)])
    },
  })
  return tables
}

export interface OrphanCount {
  constraint: string
  table: string
  references: string
  rows: number
}

/** Rows whose foreign key points at nothing, per foreign key between `tables`. */
export async function orphanRows(
  sql: Sql | TransactionSql,
  tables: readonly string[],
): Promise<OrphanCount[]> {
  const keys = await query<{
    constraint: string
    table: string
    column: string
    references: string
    referenced_column: string
  }>(sql, 'seed/foreign-keys', [tables])
  const found: OrphanCount[] = []
  for (const key of keys) {
    const [row] = await sql<{ rows: number }[]>`
      select count(*)::int as rows from ${sql(key.table)} c
      where c.${sql(key.column)} is not null
        and not exists (select 1 from ${sql(key.references)} p where p.${sql(key.referenced_column)} = c.${sql(key.column)})`
    if (row && row.rows > 0)
      found.push({
        constraint: key.constraint,
        table: key.table,
        references: key.references,
        rows: row.rows,
      })
  }
  return found
}

export interface UnfinishedSeedReport {
  startedAt: string
  startedBy: string
  orphans: OrphanCount[]
}

/**
 * For `status`: an interrupted parallel load (not one still running) and the rows it left that
 * break the schema's foreign keys (the load ran with those checks off).
 */
export async function unfinishedSeedReport(
  sql: Sql,
  tables: readonly string[],
): Promise<UnfinishedSeedReport | undefined> {
  const [load] = await unfinishedLoads(sql)
  if (!load || (await lockHolder(sql, SEED_LOCK))) return undefined
  return {
    startedAt: load.started_at.toISOString(),
    startedBy: load.started_by,
    orphans: await orphanRows(sql, tables),
  }
}

export function describeUnfinishedSeed(report: UnfinishedSeedReport): string {
  const orphans = report.orphans
    .map((o) => `${o.table} → ${o.references} ${o.rows.toLocaleString('en-US')}`)
    .join(', ')
  return `unfinished seed load (started ${report.startedAt} by ${report.startedBy})${orphans ? `; rows pointing at nothing: ${orphans}` : ''}; the next \`vrss-db seed\` removes what it loaded`
}
