/**
 * Ctrl+C and kill, for the whole process. The first SIGINT/SIGTERM/SIGHUP runs the registered
 * cleanups, newest first (close the connections, then release the embedded server), lets the
 * command say one line and exits with its code (128 + signal number, or 0 for `vrss-db server`).
 * A second signal while that runs exits at once with 130.
 */
const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const
export type Signal = keyof typeof SIGNALS

/** A cleanup may return a short note for the interruption line ("the scratch schema … was dropped"). */
type Cleanup = () => unknown
const cleanups = new Set<Cleanup>()

export interface InterruptReport {
  /** Right away, before the cleanups (stop spinners, silence the interrupted command). */
  started?(signal: Signal): void
  /** After the cleanups: prints the one line (with the cleanups' notes) and returns the exit code. */
  finish(signal: Signal, notes: string[]): number
}
let report: InterruptReport = { finish: exitCodeFor }
let signalled: Signal | undefined

export function exitCodeFor(signal: Signal): number {
  return 128 + SIGNALS[signal]
}

/** Takes over the signals, reporting with `how`; a later call replaces it. */
export function handleInterrupts(how: InterruptReport): void {
  install()
  report = how
}

let installed = false
function install(): void {
  if (installed) return
  installed = true
  for (const signal of Object.keys(SIGNALS) as Signal[]) {
    process.on(signal, () => void interrupt(signal))
  }
}

/**
 * Runs `cleanup` on an interruption; the returned function unregisters it. Registering one takes
 * over the signals too (exit 128 + signal): an embedded server started from a script or a test
 * run must not outlive it.
 */
export function onInterrupt(cleanup: Cleanup): () => void {
  install()
  cleanups.add(cleanup)
  return () => cleanups.delete(cleanup)
}

/** The signal that interrupted this run, if one did: errors after it are its consequence. */
export function interruptedBy(): Signal | undefined {
  return signalled
}

async function interrupt(signal: Signal): Promise<void> {
  if (signalled) {
    process.stderr.write(
      `error: Interrupted again (${signal}): exiting at once, without waiting for the clean-up\n`,
    )
    process.exit(130)
  }
  signalled = signal
  // What the interrupted work throws from now on (connections closed under it) is expected,
  // not a crash: no stack trace, no exit code 1.
  process.on('uncaughtException', () => undefined)
  process.on('unhandledRejection', () => undefined)
  report.started?.(signal)
  const notes: string[] = []
  for (const cleanup of [...cleanups].reverse()) {
    try {
      const note = await cleanup()
      if (typeof note === 'string' && note) notes.push(note)
    } catch {
      // Best effort: the next cleanup (stopping the server) matters more than this one's error.
    }
  }
  process.exit(report.finish(signal, notes))
}
