/**
 * Loads a streamed seed while it is generated: COPY streams fed chunk by chunk, so generation
 * (this process) and loading (the server) overlap and memory holds a few chunks at most.
 *
 * - Into empty tables as a superuser: every table is its own transaction on its own connection,
 *   one long COPY per table fed as chunks come (triggers and FK checks off for that transaction,
 *   secondary indexes dropped and rebuilt, two rebuilds at a time). The load is recorded in
 *   vrss_seed_loads first, with the id ranges reserved for it, so that an interrupted one is
 *   undone by the next seed; a failure empties the tables again at once.
 * - Otherwise (appending, no superuser rights): one transaction, each chunk copied table by
 *   table while the next chunk is generated; any failure rolls everything back.
 */
import type { Sql, TransactionSql } from '../db/connect.js'
import { isPostgresError, VrssError } from '../errors.js'
import { onInterrupt } from '../interrupt.js'
import { runQueue } from '../queue.js'
import { TABLES_WITHOUT_SEQUENCE } from '../schema/manifest.js'
import { SEED_COLUMNS } from './columns.js'
import { copyRows, copyText } from './copy.js'
import type { LoadOptions, LoadTimings } from './load.js'
import { dropIndexes, isSuperuser, maxId, moveSequence, vacuumAndTime } from './load.js'
import type { StreamSeed } from './stream-generate.js'
import { beginLoad, finishLoad, undoUnfinishedLoads, unfinishedLoads } from './tables.js'

/** COPY text waiting per table before the generator waits for the server. */
const CHANNEL_BYTES = 4 << 20
/** Index rebuilds at a time (2 cores). */
const REBUILDS = 2

export async function loadStream(
  sql: Sql,
  open: (max: number) => Promise<Sql>,
  stream: StreamSeed,
  options: LoadOptions,
): Promise<LoadTimings> {
  const superuser = await isSuperuser(sql)
  const parallel = options.emptyTables && superuser
  const started = performance.now()
  const meter = streamMeter(stream, options.onStep)
  if (parallel)
    await loadParallel(
      sql,
      await open(Object.keys(SEED_COLUMNS).length + 2),
      stream,
      options,
      meter,
    )
  else await loadSingle(sql, stream, superuser, meter)
  const tables = [...stream.dataset.all().map((t) => t.table), ...Object.keys(SEED_COLUMNS)]
  return vacuumAndTime(sql, tables, { parallel, started, onStep: options.onStep })
}

function streamMeter(stream: StreamSeed, onStep: ((message: string) => void) | undefined) {
  const started = performance.now()
  return (_piece: number) => {
    let rows = 0
    for (const n of stream.counts.values()) rows += n
    const seconds = (performance.now() - started) / 1000
    const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
    onStep?.(
      `Streaming ${stream.users.toLocaleString('en-US')} users · ${fmt(rows)} rows so far · ${fmt(rows / Math.max(seconds, 0.001))} rows/s`,
    )
  }
}

async function loadSingle(
  sql: Sql,
  stream: StreamSeed,
  superuser: boolean,
  meter: (chunk: number) => void,
): Promise<void> {
  await sql.begin(async (tx) => {
    const names = [...stream.dataset.all().map((t) => t.table), ...Object.keys(SEED_COLUMNS)]
    if (superuser) await tx`select set_config('session_replication_role', 'replica', true)`
    else for (const name of names) await tx`alter table ${tx(name)} disable trigger user`
    for (const table of stream.dataset.all()) await copyRows(sql, tx, table)
    releaseRows(stream)
    let pending: Promise<void> = Promise.resolve()
    let k = 0
    for await (const chunk of stream.chunks()) {
      await pending
      meter(++k)
      // The server copies this chunk while the next one is generated.
      pending = (async () => {
        for (const [table, text] of chunk)
          await copyText(
            sql,
            tx,
            table,
            (SEED_COLUMNS as Record<string, readonly string[]>)[table] as string[],
            [text],
          )
      })()
      pending.catch(() => undefined)
    }
    await pending
    if (superuser) await tx`select set_config('session_replication_role', 'origin', true)`
    for (const name of names) {
      if (!superuser) await tx`alter table ${tx(name)} enable trigger user`
      await moveSequence(tx, name)
    }
  })
}

async function loadParallel(
  sql: Sql,
  pool: Sql,
  stream: StreamSeed,
  options: LoadOptions,
  meter: (chunk: number) => void,
): Promise<void> {
  const small = stream.dataset.all()
  const loadId = await beginLoad(sql, {
    seed: options.seed,
    users: options.users,
    maxIds: {
      ...Object.fromEntries(
        small.map((t) => [
          t.table,
          TABLES_WITHOUT_SEQUENCE.includes(t.table)
            ? t.rows.map((row) => String(row[t.columns.indexOf('id')]))
            : maxId(t),
        ]),
      ),
      ...stream.reserve,
    },
  })
  const forget = onInterrupt(
    () =>
      'the seed stopped half-way: the next `vrss-db seed` removes the rows it loaded (`status --check` lists them)',
  )
  const channels = new Map(Object.keys(SEED_COLUMNS).map((t) => [t, new Channel()]))
  const rebuilds = semaphore(REBUILDS)
  // Every streamed table is locked (its indexes dropped) before any COPY starts: once the
  // stream runs, no transaction of the load waits for a lock, so a session that reads two
  // VRSS tables at the start can only make the load wait (bounded by lock_timeout), never
  // stall it for good (it would hold one table's lock while waiting for another's, whose
  // COPY waits for the generator, which waits for the first table's COPY).
  const locked = barrier(channels.size)
  const inTransaction = async (
    table: string,
    load: (tx: TransactionSql) => Promise<void>,
    arrive?: () => Promise<void>,
  ) => {
    await pool.begin(async (tx) => {
      await tx`select set_config('maintenance_work_mem', '256MB', true)`
      await tx`select set_config('session_replication_role', 'replica', true)`
      await tx`select set_config('lock_timeout', ${`${options.lockTimeoutMs}ms`}, true)`
      const indexes = await dropIndexes(tx, [table]).catch((err: unknown) => {
        throw lockError(err, table, options.lockTimeoutMs)
      })
      await arrive?.()
      await load(tx)
      await rebuilds(async () => {
        for (const index of indexes) await tx.unsafe(index.indexdef)
      })
      await moveSequence(tx, table)
    })
  }
  try {
    await runQueue(small, 2, (t) => inTransaction(t.table, (tx) => copyRows(sql, tx, t)))
    releaseRows(stream)
    const loads = [...channels].map(([table, channel]) =>
      inTransaction(
        table,
        (tx) =>
          copyText(
            sql,
            tx,
            table,
            (SEED_COLUMNS as Record<string, readonly string[]>)[table] as string[],
            channel,
          ),
        locked.arrive,
      ).catch((err: unknown) => {
        // Stop the generator and the tables still waiting for the others' locks: one table
        // failed, the load is lost.
        locked.fail(err)
        for (const c of channels.values()) c.close(err)
        throw err
      }),
    )
    const produce = (async () => {
      let k = 0
      try {
        for await (const chunk of stream.chunks()) {
          meter(++k)
          for (const [table, text] of chunk) await channels.get(table)?.push(text)
        }
        for (const c of channels.values()) c.close()
      } catch (err) {
        for (const c of channels.values()) c.close(err)
        throw err
      }
    })()
    const results = await Promise.allSettled([produce, ...loads])
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed) throw failed.reason
  } catch (err) {
    const [load] = (await unfinishedLoads(sql)).filter((l) => l.id === loadId)
    if (load) await undoUnfinishedLoads(sql, [load], options.lockTimeoutMs).catch(() => undefined)
    throw err
  } finally {
    forget()
  }
  await finishLoad(sql, loadId)
}

/**
 * The small tables are loaded before the stream starts: their rows (~3.8 KB per user: 380 MB at
 * 100,000 users) are not needed again (their counts are in stream.counts), so they do not stay
 * in memory beside the stream.
 */
function releaseRows(stream: StreamSeed): void {
  for (const table of stream.dataset.all()) table.rows = []
}

/** Resolves every arrive() once `n` have arrived; fail() rejects them all instead. */
function barrier(n: number) {
  let arrived = 0
  let open: () => void = () => undefined
  let fail: (err: unknown) => void = () => undefined
  const all = new Promise<void>((resolve, reject) => {
    open = resolve
    fail = reject
  })
  all.catch(() => undefined)
  return {
    arrive: (): Promise<void> => {
      if (++arrived === n) open()
      return all
    },
    fail,
  }
}

/** A table another session holds past lock_timeout: say which, and that nothing was written. */
function lockError(err: unknown, table: string, timeoutMs: number): unknown {
  if (!isPostgresError(err) || err.code !== '55P03') return err
  return new VrssError(
    `Another session held ${table} for more than ${timeoutMs / 1000} s, so the seed stopped; nothing was written`,
    {
      hint: 'Seed again when nothing else is using the VRSS tables (pg_stat_activity shows who is).',
      code: 'SEED_LOCKED',
    },
  )
}

/** At most `n` of the given jobs at a time. */
function semaphore(n: number) {
  let free = n
  const waiting: (() => void)[] = []
  return async <T>(job: () => Promise<T>): Promise<T> => {
    while (free === 0) await new Promise<void>((resolve) => waiting.push(resolve))
    free--
    try {
      return await job()
    } finally {
      free++
      waiting.shift()?.()
    }
  }
}

/**
 * A bounded queue of COPY text between the generator and one COPY: push() waits while more than
 * CHANNEL_BYTES wait; the COPY pulls as the server takes it. close(err) ends both sides.
 */
export class Channel implements AsyncIterable<string> {
  private queue: string[] = []
  private bytes = 0
  private closed = false
  private error: unknown
  private wakeConsumer: (() => void) | undefined
  private wakeProducer: (() => void) | undefined

  async push(text: string): Promise<void> {
    if (this.closed) throw this.error ?? new Error('the COPY stream was closed')
    this.queue.push(text)
    this.bytes += text.length
    this.wake()
    while (this.bytes > CHANNEL_BYTES && !this.closed) {
      await new Promise<void>((resolve) => {
        this.wakeProducer = resolve
      })
    }
    if (this.error !== undefined) throw this.error
  }

  close(err?: unknown): void {
    if (this.closed) return
    this.closed = true
    this.error = err
    this.wake()
  }

  private wake(): void {
    const consumer = this.wakeConsumer
    const producer = this.wakeProducer
    this.wakeConsumer = undefined
    this.wakeProducer = undefined
    consumer?.()
    producer?.()
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<string> {
    for (;;) {
      const text = this.queue.shift()
      if (text !== undefined) {
        this.bytes -= text.length
        this.wake()
        yield text
        continue
      }
      if (this.closed) {
        if (this.error !== undefined) throw this.error
        return
      }
      await new Promise<void>((resolve) => {
        this.wakeConsumer = resolve
      })
    }
  }
}
