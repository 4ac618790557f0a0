/**
 * Rules about ALTER TABLE on a table that already holds rows: what rewrites it, and what scans
 * it while holding a lock the application waits for.
 */
import { blockedBy } from '../lock-modes.js'
import { isBinaryCoercible } from './coercion.js'
import type { Rule, RuleFinding, RuleInput } from './rule.js'
import { CONSTRAINT_START, typeIn } from './schema-state.js'
import { identifier, NAME, parseAlterTable } from './sql-text.js'

/** Functions whose value differs per row: a default calling one fills every row now. */
const VOLATILE =
  /\b(?:gen_random_uuid|uuid_generate_v[14](?:mc)?|uuidv[47]|random|random_normal|clock_timestamp|timeofday|nextval|txid_current|pg_current_xact_id)\s*\(/i

/** Runs `each` over the actions of an ALTER TABLE on a table older than this phase. */
function onExistingTable(
  { statement, state }: RuleInput,
  each: (table: string, action: string) => RuleFinding | undefined,
): RuleFinding[] {
  const alter = parseAlterTable(statement.text)
  if (!alter || state.isNew(alter.table)) return []
  return alter.actions.flatMap((action) => each(alter.table, action) ?? [])
}

const ADD_COLUMN = new RegExp(`^add (?:column )?(?:if not exists )?(${NAME}) (.*)$`, 'i')

export const volatileDefault: Rule = {
  id: 'volatile-default',
  summary: 'ADD COLUMN with a per-row default rewrites the whole table',
  check: (input) =>
    onExistingTable(input, (table, action) => {
      const m = ADD_COLUMN.exec(action)
      if (!m || CONSTRAINT_START.test(action.slice(4))) return undefined
      const rest = m[2] as string
      const rewrites =
        (/\bdefault\b/i.test(rest) && VOLATILE.test(rest)) ||
        /^(?:small|big)?serial\b/i.test(rest) ||
        /\bgenerated (?:always|by default) as (?:identity|\(.*\) stored)/i.test(rest)
      if (!rewrites) return undefined
      return {
        rule: 'volatile-default',
        severity: 'error',
        table,
        why: `Every existing row needs its own value, so PostgreSQL rewrites ${table} and rebuilds all its indexes under ACCESS EXCLUSIVE: ${blockedBy('ACCESS EXCLUSIVE')} for the whole rewrite. (A constant or now() default is stored once in the catalog since PostgreSQL 11: no rewrite.)`,
        fix: `add column ${identifier(m[1] as string)} without the default; then \`alter column … set default …\` (new rows only); fill the old rows in batches of a few thousand ids in a no-transaction phase.`,
      }
    }),
}

const ADD_CONSTRAINT = /^add (?:constraint (\S+) )?(check|foreign key)\b/i

export const constraintNotValid: Rule = {
  id: 'constraint-not-valid',
  summary: 'ADD CHECK / FOREIGN KEY on an existing table scans it under a blocking lock',
  check: (input) =>
    onExistingTable(input, (table, action) => {
      const m = ADD_CONSTRAINT.exec(action)
      if (!m || / not valid$/i.test(action)) return undefined
      const check = (m[2] as string).toLowerCase() === 'check'
      const referenced = /\breferences (\S+?)\s*\(/i.exec(action)?.[1]
      return {
        rule: 'constraint-not-valid',
        severity: 'error',
        table,
        why: check
          ? `ADD CHECK reads every row of ${table} under ACCESS EXCLUSIVE: ${blockedBy('ACCESS EXCLUSIVE')} until the scan ends.`
          : `ADD FOREIGN KEY reads every row of ${table} under SHARE ROW EXCLUSIVE on ${table}${referenced ? ` and ${identifier(referenced)}` : ''}: ${blockedBy('SHARE ROW EXCLUSIVE')} on both until the scan ends.`,
        fix: `add constraint … ${check ? 'check (…)' : 'foreign key (…) references …'} not valid; then, later in the phase or in the next one: alter table ${table} validate constraint … (SHARE UPDATE EXCLUSIVE: reads and writes go on).`,
      }
    }),
}

export const constraintNotValidated: Rule = {
  id: 'constraint-not-validated',
  summary: 'a NOT VALID constraint that is never validated does not hold for old rows',
  check: (input) =>
    onExistingTable(input, (table, action) => {
      const m = ADD_CONSTRAINT.exec(action)
      if (!m || !/ not valid$/i.test(action)) return undefined
      const name = m[1] ? identifier(m[1]) : undefined
      const validated =
        name !== undefined &&
        input.rest.some((s) =>
          new RegExp(
            String.raw`validate constraint "?${name.replace(/\W/g, '\\$&')}"?\b`,
            'i',
          ).test(s.text),
        )
      if (validated) return undefined
      return {
        rule: 'constraint-not-validated',
        severity: 'warning',
        table,
        why: `NOT VALID checks new and updated rows only: rows already in ${table} were never checked${name ? '' : ' (and an unnamed constraint cannot be validated by name)'}.`,
        fix: `Name it, and add \`alter table ${table} validate constraint <name>\` after it (in this phase or the next).`,
      }
    }),
}

const SET_NOT_NULL = new RegExp(`^alter (?:column )?(${NAME}) set not null$`, 'i')

export const setNotNull: Rule = {
  id: 'set-not-null-scan',
  summary: 'SET NOT NULL scans the table under ACCESS EXCLUSIVE unless a validated CHECK proves it',
  check: (input) =>
    onExistingTable(input, (table, action) => {
      const m = SET_NOT_NULL.exec(action)
      if (!m) return undefined
      const column = identifier(m[1] as string)
      const proof = new RegExp(`^"?${column.replace(/\W/g, '\\$&')}"? is not null$`, 'i')
      const proven = (input.state.validatedChecks.get(table) ?? []).some((c) =>
        proof.test(c.trim()),
      )
      if (proven) return undefined
      return {
        rule: 'set-not-null-scan',
        severity: 'error',
        table,
        why: `SET NOT NULL reads every row of ${table} under ACCESS EXCLUSIVE: ${blockedBy('ACCESS EXCLUSIVE')} until the scan ends.`,
        fix: `add constraint ${table}_${column}_not_null check (${column} is not null) not valid; validate constraint ${table}_${column}_not_null; then set not null (PostgreSQL 12+ trusts the validated check: no scan) and drop the check.`,
      }
    }),
}

const ALTER_TYPE = new RegExp(`^alter (?:column )?(${NAME}) (?:set data )?type (.*)$`, 'i')

export const typeRewrite: Rule = {
  id: 'type-rewrite',
  summary: 'ALTER COLUMN TYPE rewrites the table unless the change is binary-coercible',
  check: (input) =>
    onExistingTable(input, (table, action) => {
      const m = ALTER_TYPE.exec(action)
      if (!m) return undefined
      const column = identifier(m[1] as string)
      const to = typeIn(m[2] as string)
      const from = input.state.typeOf(table, column)
      const using = /\busing\b/i.test(m[2] as string)
      if (from && !using && isBinaryCoercible(from, to)) return undefined
      return {
        rule: 'type-rewrite',
        severity: from ? 'error' : 'warning',
        table,
        why: `${from ? `${column} ${from} → ${to}` : `${column} → ${to} (its current type is not known to the lint)`}${using ? ' with USING' : ''} rewrites ${table} and rebuilds its indexes under ACCESS EXCLUSIVE: ${blockedBy('ACCESS EXCLUSIVE')} for the whole rewrite. Only relabels are free: varchar(n) → varchar(m ≥ n), varchar or text; numeric(p, s) → numeric(p' ≥ p, s); a limit removed.`,
        fix: `A new column of the new type kept equal by a trigger, a backfill in batches, then a short swap (see phase 007); or text plus a NOT VALID CHECK for a length limit.`,
      }
    }),
}

export const addColumnRequired: Rule = {
  id: 'add-column-required',
  summary: 'ADD COLUMN … NOT NULL without a DEFAULT on an existing table',
  check: (input) =>
    onExistingTable(input, (table, action) => {
      const m = ADD_COLUMN.exec(action)
      if (!m || CONSTRAINT_START.test(action.slice(4))) return undefined
      const rest = m[2] as string
      if (!/\bnot null\b/i.test(rest) || /\b(?:default|generated)\b/i.test(rest)) return undefined
      const column = identifier(m[1] as string)
      return {
        rule: 'add-column-required',
        severity: 'error',
        table,
        why: `The phase fails on a ${table} that holds rows (they have no value for ${column}: SQLSTATE 23502), and on an empty one every INSERT of the running release, which does not know ${column}, fails from COMMIT on.`,
        fix: `add column ${column} … without NOT NULL (or with a DEFAULT); backfill; then a validated CHECK (${column} is not null) and SET NOT NULL once the release that writes it is deployed.`,
      }
    }),
}
