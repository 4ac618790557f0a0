/**
 * Rules about the release that is running while the phase is applied: it still reads the
 * tables and columns of its data model, and it relies on the runner's lock_timeout to keep a
 * migration from queueing in front of its queries.
 */
import { blockedBy } from '../lock-modes.js'
import { usesColumn, usesTable } from './api-uses.js'
import type { Rule, RuleFinding } from './rule.js'
import { identifier, NAME, parseAlterTable, splitTopLevel } from './sql-text.js'
import type { LintStatement } from './statements.js'

const EXPAND_CONTRACT =
  'Expand and contract: first ship an API release that no longer reads it; drop it in a later phase. For a rename: add the new name, write both (trigger), backfill, switch the readers, and drop the old one in a later phase.'

function broken(what: string, table: string): RuleFinding {
  return {
    rule: 'breaks-previous-release',
    severity: 'error',
    table,
    why: `The deployed API (contract/vrss-api.json) still reads ${what}: its queries fail from the moment this phase commits until every API instance runs the new release. The statement also takes ACCESS EXCLUSIVE on ${table}: ${blockedBy('ACCESS EXCLUSIVE')}.`,
    fix: EXPAND_CONTRACT,
  }
}

const DROP_TABLE = /^drop table (?:if exists )?(.*?)(?: cascade| restrict)?$/i
const TYPE_CHANGE = new RegExp(
  `^(?:drop type (?:if exists )?(.*?)(?: cascade| restrict)?|alter type (${NAME}) rename to .*)$`,
  'i',
)
const DROP_COLUMN = new RegExp(`^drop (?:column )?(?:if exists )?(${NAME})`, 'i')
const RENAME_COLUMN = new RegExp(`^rename (?:column )?(${NAME}) to `, 'i')

export const breaksPreviousRelease: Rule = {
  id: 'breaks-previous-release',
  summary: 'DROP or RENAME of a table, column or enum type the deployed API still uses',
  check: ({ statement, state, uses, rest }) => {
    const text = statement.text
    const findings: RuleFinding[] = []
    const drop = DROP_TABLE.exec(text)
    for (const raw of drop ? splitTopLevel(drop[1] as string) : []) {
      const table = identifier(raw)
      if (usesTable(uses, table) && !state.isNew(table))
        findings.push(broken(`table ${table}`, table))
    }
    const type = TYPE_CHANGE.exec(text)
    for (const raw of type ? splitTopLevel((type[1] ?? type[2]) as string) : []) {
      const name = identifier(raw)
      if (uses.enums.includes(name)) findings.push(broken(`enum type "${name}"`, name))
    }
    const alter = parseAlterTable(text)
    if (!alter || state.isNew(alter.table)) return findings
    for (const action of alter.actions) {
      if (/^rename to /i.test(action) && usesTable(uses, alter.table)) {
        findings.push(broken(`table ${alter.table}`, alter.table))
        continue
      }
      const column = /^drop constraint/i.test(action)
        ? undefined
        : (DROP_COLUMN.exec(action) ?? RENAME_COLUMN.exec(action))
      const name = column ? identifier(column[1] as string) : undefined
      if (!name || /^rename constraint/i.test(action) || !usesColumn(uses, alter.table, name))
        continue
      if (/^drop/i.test(action) && replacedLater(rest, alter.table, name)) continue
      findings.push(broken(`${alter.table}.${name}`, alter.table))
    }
    return findings
  },
}

/**
 * A column dropped and another renamed to its name in the same phase (the swap of a type
 * change by backfill, phase 007): the API finds the column it reads, of the new type.
 */
function replacedLater(rest: readonly LintStatement[], table: string, column: string): boolean {
  return rest.some((s) => {
    const alter = parseAlterTable(s.text)
    return (
      alter?.table === table &&
      alter.actions.some((a) => {
        const m = RENAME_TO.exec(a)
        return m !== null && identifier(m[1] as string) === column
      })
    )
  })
}

const RENAME_TO = new RegExp(`^rename (?:column )?${NAME} to (${NAME})$`, 'i')

const LOCK_TIMEOUT =
  /\b(?:set (?:local |session )?lock_timeout\s*(?:=|to)\s*('[^']*'|\S+)|set_config\s*\(\s*'lock_timeout'\s*,\s*('[^']*')|reset (lock_timeout|all))/i

/** Whether a lock_timeout value means "wait forever". */
function disables(value: string): boolean {
  return /^'?(?:0+(?:\.0*)?\s*(?:ms|s|min)?|default)'?$/i.test(value.trim())
}

export const lockTimeoutOverride: Rule = {
  id: 'lock-timeout-override',
  summary: "a phase that switches off or changes the runner's lock_timeout",
  check: ({ statement }) => {
    const m = LOCK_TIMEOUT.exec(statement.text)
    if (!m) return []
    const value = m[1] ?? m[2]
    const off = value === undefined || disables(value)
    return [
      {
        rule: 'lock-timeout-override',
        severity: off ? 'error' : 'warning',
        why: off
          ? `vrss-db migrate sets lock_timeout for every statement of a phase (--lock-timeout, --index-wait); this ${m[3] ? 'RESET' : 'value'} removes it for what follows. A statement then queues behind any long transaction while holding its place in the lock queue, and every query on that table queues behind it: the application stops until the transaction ends.`
          : `It replaces the --lock-timeout the operator chose (vrss-db migrate already sets lock_timeout for every statement); a longer value lets a waiting ALTER hold up the table's queries for that long.`,
        fix: 'Remove it: the runner bounds every lock wait. Raise --lock-timeout / --index-wait on the command line for one run when needed.',
      },
    ]
  },
}
