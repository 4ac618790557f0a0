/**
 * PostgreSQL's table lock modes and what each one stops the application from doing while a
 * migration holds it (the conflict table of the PostgreSQL manual, "Explicit Locking"). The
 * lint explains its findings with it, the lock trace labels what it saw.
 */

export const LOCK_MODES = [
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
] as const

export type LockMode = (typeof LOCK_MODES)[number]

const BLOCKS: Record<LockMode, string> = {
  'ACCESS SHARE': 'nothing the application runs (only DDL waits)',
  'ROW SHARE': 'nothing the application runs (only DDL waits)',
  'ROW EXCLUSIVE': 'nothing the application runs (only DDL waits)',
  'SHARE UPDATE EXCLUSIVE': 'no application reads or writes (VACUUM, ANALYZE and DDL wait)',
  SHARE: 'INSERT, UPDATE and DELETE wait (reads go on)',
  'SHARE ROW EXCLUSIVE': 'INSERT, UPDATE and DELETE wait (reads go on)',
  EXCLUSIVE: 'writes and SELECT … FOR UPDATE/SHARE wait (plain reads go on)',
  'ACCESS EXCLUSIVE': 'every read (SELECT) and write waits',
}

const BRIEF: Record<LockMode, string> = {
  'ACCESS SHARE': 'nothing',
  'ROW SHARE': 'nothing',
  'ROW EXCLUSIVE': 'nothing',
  'SHARE UPDATE EXCLUSIVE': 'DDL, VACUUM',
  SHARE: 'writes',
  'SHARE ROW EXCLUSIVE': 'writes',
  EXCLUSIVE: 'writes, FOR UPDATE',
  'ACCESS EXCLUSIVE': 'reads and writes',
}

/** blockedBy in a word or two, for a table column. */
export function briefBlockedBy(mode: LockMode): string {
  return BRIEF[mode]
}

/** What the application cannot do on a table while `mode` is held on it. */
export function blockedBy(mode: LockMode): string {
  return BLOCKS[mode]
}

/** pg_locks' mode names (AccessExclusiveLock) as the manual writes them (ACCESS EXCLUSIVE). */
export function lockModeOf(pgLocksMode: string): LockMode | undefined {
  const words = pgLocksMode
    .replace(/Lock$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase()
  return (LOCK_MODES as readonly string[]).includes(words) ? (words as LockMode) : undefined
}

/** Whether the application notices the lock at all (anything from SHARE UPDATE EXCLUSIVE up). */
export function blocksApplication(mode: LockMode): boolean {
  return LOCK_MODES.indexOf(mode) >= LOCK_MODES.indexOf('SHARE')
}
