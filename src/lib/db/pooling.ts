/**
 * Is there a pooler in transaction (or statement) mode between vrss-db and PostgreSQL? Such a
 * pooler (PgBouncer's pool_mode = transaction) gives a server session to a client only for one
 * transaction, then to whichever client asks next: session state — a session advisory lock,
 * SET, prepared statements — stays behind on a server session other clients now use.
 *
 * How it is detected: two client connections of the pool are open at the same time, and each
 * asks for pg_backend_pid() outside a transaction, in turns. Connected directly (or through a
 * session-mode pool) two open client connections always have two different server sessions. A
 * transaction pooler returns the first one's server session to its pool after each statement
 * and hands it to the next client that asks (PgBouncer reuses the most recently used server
 * connection first), so the second client reports the same pid: proof of transaction pooling.
 * The reverse is not a proof: on a pooler kept busy by other clients the two could get
 * different server sessions every time, which is why it tries several turns, and why migrate
 * still checks before each phase that it is on the lock's server session.
 *
 * Neither SHOW nor a start-up parameter tells: PgBouncer passes SHOW to the server, and reports
 * the server's parameters as its own. Its admin console (SHOW POOLS) needs an admin user.
 */
import type postgres from 'postgres'

// postgres.js' own types, not connect.ts' aliases: connect.ts imports this file.
type Sql = postgres.Sql
type ReservedSql = postgres.ReservedSql

export type Pooling = 'transaction' | 'session'

/** Pools that connected without their session settings (a pooler refused them; see connect). */
const refused = new WeakSet<Sql>()

export function markSettingsRefused(sql: Sql): void {
  refused.add(sql)
}

/** Whether `sql` runs without the start-up settings it asked for. */
export function settingsRefused(sql: Sql): boolean {
  return refused.has(sql)
}

const TURNS = 3
const PROBE_MS = 10_000

/**
 * 'transaction' when two concurrent client connections of `sql` (a pool of at least two)
 * reached the same server session; 'session' otherwise. Bounded: gives 'session' an answer
 * only from evidence, and fails after PROBE_MS rather than waiting for a busy pooler.
 */
export async function detectPooling(sql: Sql): Promise<Pooling> {
  let timer: NodeJS.Timeout | undefined
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new Error(`no answer after ${PROBE_MS / 1000}s to the connection-pooling probe`)),
      PROBE_MS,
    )
  })
  try {
    return await Promise.race([probe(sql), bound])
  } finally {
    clearTimeout(timer)
  }
}

async function probe(sql: Sql): Promise<Pooling> {
  const first = await sql.reserve()
  try {
    const second = await sql.reserve()
    try {
      for (let turn = 0; turn < TURNS; turn++) {
        const a = await backendPid(first)
        const b = await backendPid(second)
        const again = await backendPid(first)
        // The same server session for two open clients, or another one for the same client.
        if (a === b || again === b || a !== again) return 'transaction'
      }
      return 'session'
    } finally {
      second.release()
    }
  } finally {
    first.release()
  }
}

async function backendPid(conn: ReservedSql): Promise<number> {
  // Simple protocol, not prepared: a prepared statement would itself be session state.
  const [row] = await conn.unsafe('select pg_backend_pid() as pid')
  return Number(row?.pid)
}
