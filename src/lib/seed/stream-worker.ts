/**
 * The worker thread that generates a streamed seed's chunks (stream-generate.ts), so that the
 * main thread stays free for the COPY streams and their watchdogs while the other core
 * generates, and so that the generator's heap has a hard limit (peak memory independent of
 * --users). The main thread acknowledges each chunk; at most two are in flight.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { chunkSource, type WorkerInput, type WorkerMessage } from './stream-generate.js'

const port = parentPort
if (port) {
  const input = workerData as WorkerInput
  let credit = 2
  let wake: (() => void) | undefined
  port.on('message', () => {
    credit++
    wake?.()
  })
  const counts = new Map<string, number>()
  const source = await chunkSource(input)
  for await (const chunk of source.chunks(counts)) {
    while (credit === 0) await new Promise<void>((resolve) => (wake = resolve))
    credit--
    port.postMessage({ type: 'chunk', chunk, counts } satisfies WorkerMessage)
  }
  port.postMessage({ type: 'done' } satisfies WorkerMessage)
  port.close()
}
