/**
 * Rules about index builds: a plain CREATE INDEX (or a UNIQUE / PRIMARY KEY constraint that
 * builds one) blocks writes for the whole build; CONCURRENTLY cannot run in a transaction.
 */
import { blockedBy } from '../lock-modes.js'
import type { Rule, RuleFinding, RuleInput } from './rule.js'
import { identifier, NAME, parseAlterTable } from './sql-text.js'

const CREATE_INDEX = new RegExp(
  `^create (?:unique )?index (concurrently )?(?:if not exists )?(?:${NAME} )?on (?:only )?(${NAME})`,
  'i',
)
/**
 * The statements PostgreSQL refuses inside a transaction block. (REFRESH MATERIALIZED VIEW
 * CONCURRENTLY is not one of them.)
 */
const CONCURRENT =
  /^(?:(?:create (?:unique )?index|drop index|reindex (?:index|table|schema|database)) concurrently\b|alter table .* detach partition .* concurrently$)/i

export const indexNotConcurrent: Rule = {
  id: 'index-not-concurrent',
  summary: 'an index built without CONCURRENTLY on an existing table blocks its writes',
  check: ({ statement, state }) => {
    const findings: RuleFinding[] = []
    const create = CREATE_INDEX.exec(statement.text)
    if (create && !create[1]) {
      const table = identifier(create[2] as string)
      if (!state.isNew(table)) {
        findings.push({
          rule: 'index-not-concurrent',
          severity: 'error',
          table,
          why: `CREATE INDEX takes SHARE on ${table} for the whole build (a full scan and sort): ${blockedBy('SHARE')}.`,
          fix: 'create index concurrently if not exists … in a phase of its own that starts with `-- vrss-db:no-transaction`.',
        })
      }
    }
    const alter = parseAlterTable(statement.text)
    if (alter && !state.isNew(alter.table)) {
      for (const action of alter.actions) {
        if (!/^add (?:constraint \S+ )?(?:unique|primary key)\b/i.test(action)) continue
        if (/\busing index\b/i.test(action)) continue
        findings.push({
          rule: 'index-not-concurrent',
          severity: 'error',
          table: alter.table,
          why: `ADD ${/primary key/i.test(action) ? 'PRIMARY KEY' : 'UNIQUE'} builds its index under ACCESS EXCLUSIVE on ${alter.table}: ${blockedBy('ACCESS EXCLUSIVE')} until the build ends.`,
          fix: 'create unique index concurrently … (no-transaction phase), then `alter table … add constraint … unique using index …` (a catalog change).',
        })
      }
    }
    return findings
  },
}

export const concurrentlyInTransaction: Rule = {
  id: 'concurrently-in-transaction',
  summary: 'CONCURRENTLY in a transaction or a DO block fails (SQLSTATE 25001)',
  check: ({ statement, transactional }) => {
    if (!CONCURRENT.test(statement.text) || !(transactional || statement.inDo)) return []
    const where = statement.inDo
      ? 'inside a DO block (a function call, which PostgreSQL runs as one transaction block)'
      : 'inside a transaction block, and every phase without the directive runs in one'
    return [
      {
        rule: 'concurrently-in-transaction',
        severity: 'error',
        why: `PostgreSQL refuses CONCURRENTLY ${where}: the phase fails at this statement.`,
        fix: 'A top-level statement of a phase of its own whose first line is `-- vrss-db:no-transaction`, written with IF NOT EXISTS so that a rerun finishes it.',
      },
    ]
  },
}

export const concurrentNotIdempotent: Rule = {
  id: 'concurrent-not-idempotent',
  summary: 'a no-transaction phase that stops half-way must be able to run again',
  check: ({ statement, transactional }: RuleInput) => {
    if (transactional) return []
    const text = statement.text
    const missing =
      (/^create (?:unique )?index concurrently /i.test(text) && !/ if not exists /i.test(text)) ||
      (/^drop index concurrently /i.test(text) && !/ if exists /i.test(text))
    if (!missing) return []
    return [
      {
        rule: 'concurrent-not-idempotent',
        severity: 'warning',
        why: 'A no-transaction phase can stop half-way (a lock timeout, Ctrl+C); the next `vrss-db migrate` runs it again from the top, and this statement then fails on the index the first run left.',
        fix: 'create index concurrently if not exists … / drop index concurrently if exists …',
      },
    ]
  },
}
