// Progress on terminals of any size: a spinner where it can be drawn, plain lines otherwise.
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { Output } from '../../src/lib/ui/output.js'

/** A stream that claims to be a terminal of the given width. */
function fakeTerminal(columns: number) {
  const stream = Object.assign(new PassThrough(), {
    isTTY: true,
    columns,
    rows: 24,
    // The tty.WriteStream methods ora moves the cursor with: each writes its escape code.
    cursorTo: () => stream.write('\x1b[G'),
    moveCursor: () => stream.write('\x1b[A'),
    clearLine: () => stream.write('\x1b[K'),
  })
  let written = ''
  stream.on('data', (chunk) => {
    written += chunk
  })
  return { stream, written: () => written }
}

function outputOn(stream: PassThrough) {
  const plain = new PassThrough()
  return new Output({
    json: false,
    color: false,
    debug: false,
    stdout: plain as unknown as NodeJS.WriteStream,
    stderr: stream as unknown as NodeJS.WriteStream,
    env: {},
  })
}

describe('Output progress', () => {
  it('a terminal with 0 columns gets plain start/finish lines, no spinner', async () => {
    const terminal = fakeTerminal(0)
    const out = outputOn(terminal.stream)
    await out.enableSpinners()
    const progress = out.progress('Checking')
    progress.succeed('Checked')
    expect(terminal.written()).toBe('Checking ...\nChecked\n')
  })

  it('a terminal resized to 0 columns while a spinner runs does not hang it', async () => {
    const terminal = fakeTerminal(80)
    const out = outputOn(terminal.stream)
    await out.enableSpinners()
    const progress = out.progress('Checking')
    terminal.stream.columns = 0
    // ora redraws every 80 ms; a redraw at width 0 used to loop for ever.
    await new Promise((resolve) => setTimeout(resolve, 250))
    progress.update('Checking more')
    progress.succeed('Checked')
    expect(terminal.written()).toContain('Checked')
    expect(terminal.written().length).toBeLessThan(10_000)
  })
})
