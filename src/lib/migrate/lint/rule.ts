/**
 * What a lint rule is: a function from one statement (and what is known of the schema at that
 * point) to its findings. Each finding says what the statement locks, on which table, what the
 * application cannot do meanwhile, and the safe way to write it.
 */
import type { ApiUses } from './api-uses.js'
import type { SchemaState } from './schema-state.js'
import type { LintStatement } from './statements.js'

export type Severity = 'error' | 'warning'

export interface RuleFinding {
  rule: string
  severity: Severity
  /** The table the danger is about. */
  table?: string
  /** Why it is dangerous: the lock, on which table, what it blocks and for how long. */
  why: string
  /** The safe rewrite. */
  fix: string
}

export interface RuleInput {
  statement: LintStatement
  state: SchemaState
  /** The phase runs in one transaction (no `-- vrss-db:no-transaction` directive). */
  transactional: boolean
  /** Later statements of the same phase (for "is it validated later?"). */
  rest: readonly LintStatement[]
  uses: ApiUses
}

export interface Rule {
  id: string
  /** One line for `--help` and the docs. */
  summary: string
  check: (input: RuleInput) => RuleFinding[]
}
