/**
 * What the lint knows about the schema at a statement: the column types the earlier phases and
 * statements declared (so ALTER COLUMN TYPE can tell a rewrite from a relabel), the tables
 * created in the phase being linted (empty, so locking them harms nobody), and which
 * constraints were validated.
 */
import { identifier, NAME, parseAlterTable, splitTopLevel } from './sql-text.js'

export class SchemaState {
  /** table → column → declared type (plain words lower case, "Quoted" names kept). */
  readonly columns = new Map<string, Map<string, string>>()
  /** Tables created by the phase being linted, before the current statement. */
  readonly created = new Set<string>()
  /** table → text of its CHECK constraints validated (in this phase or an earlier one). */
  readonly validatedChecks = new Map<string, string[]>()
  private readonly checks = new Map<string, { table: string; text: string }>()

  /** A new phase begins: the tables of the earlier ones hold rows from now on. */
  startPhase(): void {
    this.created.clear()
  }

  isNew(table: string): boolean {
    return this.created.has(table)
  }

  typeOf(table: string, column: string): string | undefined {
    return this.columns.get(table)?.get(column)
  }

  /** Takes a statement into account after the rules have looked at it. */
  apply(text: string): void {
    const create = CREATE_TABLE.exec(text)
    if (create) {
      const table = identifier(create[1] as string)
      this.created.add(table)
      this.columns.set(table, columnsOf(create[2] as string))
      return
    }
    const drop = /^drop table (?:if exists )?(.*?)(?: cascade| restrict)?$/i.exec(text)
    if (drop) for (const t of splitTopLevel(drop[1] as string)) this.columns.delete(identifier(t))
    const alter = parseAlterTable(text)
    if (alter) for (const action of alter.actions) this.applyAction(alter.table, action)
  }

  private applyAction(table: string, action: string): void {
    const columns = this.columns.get(table) ?? new Map<string, string>()
    this.columns.set(table, columns)
    const name = (m: RegExpExecArray, i = 1) => identifier(m[i] as string)
    // The first pattern that matches the action says what it changes.
    const handlers: [RegExp, (m: RegExpExecArray) => void][] = [
      [ADD_CONSTRAINT_ACTION, (m) => this.addCheck(table, m)],
      [ADD_COLUMN, (m) => columns.set(name(m), typeIn(m[2] as string))],
      [ALTER_TYPE, (m) => columns.set(name(m), typeIn(m[2] as string))],
      [/^drop constraint/i, () => undefined],
      [DROP_COLUMN, (m) => columns.delete(name(m))],
      [RENAME_COLUMN, (m) => this.renameColumn(table, columns, name(m), name(m, 2))],
      [RENAME_TABLE, (m) => this.columns.set(name(m), columns).delete(table)],
      [VALIDATE, (m) => this.validate(table, name(m))],
    ]
    for (const [pattern, handle] of handlers) {
      const m = pattern.exec(action)
      if (!m) continue
      handle(m)
      return
    }
  }

  private addCheck(table: string, m: RegExpExecArray): void {
    const check = ADD_CHECK.exec(m[0])
    if (check) this.checks.set(identifier(check[1] as string), { table, text: check[2] as string })
  }

  private validate(table: string, constraint: string): void {
    const check = this.checks.get(constraint)
    if (check)
      this.validatedChecks.set(table, [...(this.validatedChecks.get(table) ?? []), check.text])
  }

  private renameColumn(table: string, columns: Map<string, string>, from: string, to: string) {
    const type = columns.get(from)
    columns.delete(from)
    if (type) columns.set(to, type)
    this.renameInChecks(table, from, to)
  }

  /** A validated CHECK goes on proving what it proves under the column's new name. */
  private renameInChecks(table: string, from: string, to: string): void {
    const word = new RegExp(
      String.raw`(?<![\w$"])"?${from.replace(/\W/g, '\\$&')}"?(?![\w$"])`,
      'g',
    )
    const checks = this.validatedChecks.get(table)
    if (checks)
      this.validatedChecks.set(
        table,
        checks.map((c) => c.replace(word, to)),
      )
  }
}

const CREATE_TABLE = new RegExp(
  String.raw`^create (?:unlogged |temporary |temp )?table (?:if not exists )?(${NAME}) ?\((.*)\)[^)]*$`,
  'i',
)
export const CONSTRAINT_START = /^\s*(?:constraint|check|foreign key|primary key|unique|exclude)\b/i
const ADD_COLUMN = new RegExp(`^add (?:column )?(?:if not exists )?(${NAME}) (.*)$`, 'i')
const ALTER_TYPE = new RegExp(`^alter (?:column )?(${NAME}) (?:set data )?type (.*)$`, 'i')
const DROP_COLUMN = new RegExp(`^drop (?:column )?(?:if exists )?(${NAME})`, 'i')
const RENAME_COLUMN = new RegExp(`^rename (?:column )?(${NAME}) to (${NAME})$`, 'i')
const RENAME_TABLE = new RegExp(`^rename to (${NAME})$`, 'i')
const ADD_CONSTRAINT_ACTION =
  /^add (?:constraint|check|foreign key|primary key|unique|exclude)\b.*$/i
const ADD_CHECK = new RegExp(String.raw`^add constraint (${NAME}) check \((.*)\)`, 'i')
const VALIDATE = new RegExp(`^validate constraint (${NAME})$`, 'i')

/** Words that end a column's type in its definition. */
const TYPE_END =
  /\s+(?:not|null|default|references|primary|unique|check|generated|constraint|collate|using)\b.*$/i

/** The type of a column definition's rest ("varchar(20) not null default 'x'" → varchar(20)). */
export function typeIn(definition: string): string {
  const type = definition.replace(TYPE_END, '').trim()
  // "UserStatus" keeps its case (a quoted name); plain words are folded as PostgreSQL does.
  return type.replace(/"(?:[^"]|"")*"|[^"]+/g, (part) =>
    part.startsWith('"') ? part : part.toLowerCase(),
  )
}

function columnsOf(body: string): Map<string, string> {
  const columns = new Map<string, string>()
  for (const item of splitTopLevel(body)) {
    if (CONSTRAINT_START.test(item) || /^like\b/i.test(item)) continue
    const m = new RegExp(`^(${NAME}) (.*)$`).exec(item)
    if (m) columns.set(identifier(m[1] as string), typeIn(m[2] as string))
  }
  return columns
}
