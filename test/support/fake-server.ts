/**
 * Real TCP servers that are not PostgreSQL (or stop answering half-way), for connection tests.
 */
import { createServer, type Socket } from 'node:net'

export interface FakeServer {
  port: number
  /** Connections accepted so far. */
  readonly connections: number
  close(): Promise<void>
}

/** `onConnection` decides what the "server" does with each accepted socket. */
export async function fakeServer(onConnection: (socket: Socket) => void): Promise<FakeServer> {
  const sockets: Socket[] = []
  const server = createServer((socket) => {
    sockets.push(socket)
    socket.on('error', () => undefined)
    onConnection(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as { port: number }).port,
    get connections() {
      return sockets.length
    },
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** Replies to the first message (the SSLRequest or the start-up message) like an HTTP server. */
export function httpReply(socket: Socket): void {
  socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'))
}

/** Answers the SSLRequest with `answer`, then `then` with the next message (the start-up). */
export function afterSslReply(answer: 'S' | 'N', then: (socket: Socket) => void) {
  return (socket: Socket) =>
    socket.once('data', () => {
      socket.write(answer)
      socket.once('data', () => then(socket))
    })
}
