/**
 * Output rules of docs/cli.md: stdout carries the result (human text, or exactly one JSON document
 * with --json); everything else — logs, notices, progress — goes to stderr. Colour is off with
 * --no-color, NO_COLOR or a non-terminal; spinners become plain lines off a terminal.
 */
import { styleText } from 'node:util'

/** The few styles vrss-db uses; plain text when colour is off. */
export interface Colors {
  bold(text: string): string
  dim(text: string): string
  red(text: string): string
  green(text: string): string
  yellow(text: string): string
}

const STYLES = ['bold', 'dim', 'red', 'green', 'yellow'] as const

/**
 * node:util's styleText instead of chalk: same escape codes, nothing to load at start-up (chalk
 * cost ~15 ms of `vrss-db --help`). Whether to colour is decided here (NO_COLOR, TTY, flag).
 */
function makeColors(enabled: boolean): Colors {
  const entries = STYLES.map((style) => [
    style,
    enabled ? (text: string) => styleText(style, text) : (text: string) => text,
  ])
  return Object.fromEntries(entries) as unknown as Colors
}

export interface OutputOptions {
  json: boolean
  color: boolean
  debug: boolean
  stdout?: NodeJS.WriteStream
  stderr?: NodeJS.WriteStream
  env?: Record<string, string | undefined>
}

/** A long-running step: a spinner on a terminal, start/finish lines elsewhere. */
export interface Progress {
  update(text: string): void
  succeed(text?: string): void
  fail(text?: string): void
}

type Spinner = {
  text: string
  start(): Spinner
  stop(): Spinner
  succeed(text?: string): Spinner
  fail(text?: string): Spinner
}
type SpinnerFactory = (options: { text: string; stream: NodeJS.WriteStream }) => Spinner

export class Output {
  readonly json: boolean
  readonly debugEnabled: boolean
  readonly color: Colors
  readonly colorEnabled: boolean
  /** stdout is a terminal (a person reading) rather than a file, a pipe or cron's mail. */
  readonly terminal: boolean
  /** The terminal's width, when stdout is one with a size (tables fit into it). */
  get columns(): number | undefined {
    const columns = this.stdout.columns
    return this.terminal && typeof columns === 'number' && columns > 0 ? columns : undefined
  }
  private readonly stdout: NodeJS.WriteStream
  private readonly stderr: NodeJS.WriteStream
  private spinnerFactory: SpinnerFactory | undefined
  private readonly spinners = new Set<Spinner>()

  constructor(options: OutputOptions) {
    this.stdout = options.stdout ?? process.stdout
    this.stderr = options.stderr ?? process.stderr
    this.json = options.json
    this.terminal = this.stdout.isTTY === true
    this.debugEnabled = options.debug
    this.colorEnabled = colourWanted(options.color, options.env ?? process.env, this.stdout)
    this.color = makeColors(this.colorEnabled)
  }

  /**
   * Loads the spinner library only when a terminal will show it (keeps startup fast). A pseudo
   * terminal with no size (`script -qc … /dev/null` from CI, 0 columns) gets plain lines: ora
   * divides by the width and would redraw forever.
   */
  async enableSpinners(): Promise<void> {
    if (!this.stderr.isTTY || !saneWidth(this.stderr.columns) || this.spinnerFactory) return
    const { default: ora } = await import('ora')
    const stream = withSaneWidth(this.stderr)
    this.spinnerFactory = (options) =>
      ora({
        ...options,
        stream,
        isEnabled: true,
        color: this.colorEnabled ? 'cyan' : false,
      }) as Spinner
  }

  private muted = false

  /**
   * After Ctrl+C: stops any spinner and drops further progress, info and results, so that only
   * the interruption's own error line follows.
   */
  mute(): void {
    this.muted = true
    for (const spinner of this.spinners) spinner.stop()
    this.spinners.clear()
  }

  /** Human-readable result text on stdout (suppressed in --json mode). */
  print(text = ''): void {
    if (!this.json && !this.muted) this.stdout.write(`${text}\n`)
  }

  /** The one JSON document of a --json run. */
  document(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
  }

  info(message: string): void {
    if (!this.muted) this.stderr.write(`${message}\n`)
  }

  warn(message: string): void {
    if (!this.muted) this.stderr.write(`${this.color.yellow('warning:')} ${message}\n`)
  }

  debug(message: string): void {
    if (this.debugEnabled) this.stderr.write(`${this.color.dim(`debug: ${message}`)}\n`)
  }

  error(message: string, hint?: string): void {
    this.stderr.write(`${this.color.red('error:')} ${message}\n`)
    if (hint) this.stderr.write(`${this.color.dim('hint:')} ${hint}\n`)
  }

  progress(text: string): Progress {
    if (this.spinnerFactory && !this.muted) {
      const spinner = this.spinnerFactory({ text, stream: this.stderr }).start()
      this.spinners.add(spinner)
      // Once muted (stopped and forgotten), a spinner is not drawn again.
      const done = () => this.spinners.delete(spinner)
      return {
        update: (t) => {
          spinner.text = t
        },
        succeed: (t) => done() && spinner.succeed(t),
        fail: (t) => done() && spinner.fail(t),
      }
    }
    // Cron and CI logs: one line when a step starts and one when it ends, no spinner frames.
    this.info(`${text} ...`)
    return {
      update: () => undefined,
      succeed: (t) => this.info(t ?? `${text} ... done`),
      fail: (t) => this.info(t ?? `${text} ... failed`),
    }
  }
}

const MIN_SPINNER_COLUMNS = 20

function saneWidth(columns: number | undefined): boolean {
  return typeof columns === 'number' && columns >= MIN_SPINNER_COLUMNS
}

/**
 * The stream as ora sees it, its width never below MIN_SPINNER_COLUMNS: a terminal resized to
 * 0 columns while a spinner runs must not send ora into its endless line count.
 */
function withSaneWidth(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  return new Proxy(stream, {
    get(target, property) {
      if (property === 'columns') {
        return saneWidth(target.columns) ? target.columns : MIN_SPINNER_COLUMNS
      }
      const value = Reflect.get(target, property, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

export function colourWanted(
  flag: boolean,
  env: Record<string, string | undefined>,
  stream: NodeJS.WriteStream,
): boolean {
  if (!flag) return false
  // https://no-color.org: any non-empty value disables colour.
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true
  return Boolean(stream.isTTY)
}
