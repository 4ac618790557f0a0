/**
 * An application transaction left open on purpose: `work` runs in it (take a lock, insert a
 * row), then it waits until release() and rolls back. pid is its backend, to find in messages.
 */
import type { Sql, TransactionSql } from '../../src/lib/db/connect.js'

export async function openTransaction(
  sql: Sql,
  work: (tx: TransactionSql) => Promise<unknown>,
): Promise<{ pid: number; release(): void }> {
  let release: () => void = () => undefined
  const held = new Promise<void>((resolve) => {
    release = resolve
  })
  let pid = 0
  await new Promise<void>((ready, failed) => {
    sql
      .begin(async (tx) => {
        const [row] = await tx`select pg_backend_pid() as pid`
        pid = row?.pid as number
        await work(tx)
        ready()
        await held
        throw new Error('roll back')
      })
      .catch(failed)
  }).catch(() => undefined)
  return { pid, release }
}
