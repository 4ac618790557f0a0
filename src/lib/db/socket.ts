/**
 * The socket under every postgres.js connection. It does TLS negotiation itself and watches the
 * start-up exchange, because postgres.js, when a connection closes before it is ready, opens a
 * new one at once and forever, and restarts connect_timeout each time: a service that is not
 * PostgreSQL (an HTTP server, a TLS terminator) was reconnected to thousands of times a second.
 * Here a protocol violation is an error on the socket, which fails the pending query instead,
 * and one timer bounds the whole attempt: TCP connect, TLS, start-up and authentication.
 */
import { connect as netConnect, type Socket } from 'node:net'
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls'
import type { ConnectionSpec } from './target.js'
import { tlsOptions } from './tls.js'

/** Int32 length 8, then the SSLRequest code 80877103. */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])
const S = 0x53
const N = 0x4e
/** Message types a server may send first after the start-up message (as libpq accepts):
 * an authentication request, an error, a protocol version negotiation. */
const FIRST_MESSAGES = new Set(['R', 'E', 'v'])

type Stage = 'the TCP connection' | 'TLS negotiation' | 'start-up and authentication'

export class ConnectError extends Error {
  constructor(
    message: string,
    readonly code: 'CONNECT_TIMEOUT' | 'PROTOCOL_ERROR' | 'TLS_UNSUPPORTED' | 'CONNECTION_CLOSED',
  ) {
    super(message)
  }
}

export async function openSocket(spec: ConnectionSpec): Promise<Socket> {
  let stage: Stage = 'the TCP connection'
  let socket: Socket = spec.host.startsWith('/')
    ? netConnect({ path: `${spec.host}/.s.PGSQL.${spec.port}` })
    : // Nagle off: postgres.js leaves it on, and a COPY's last packet then waits ~40 ms for the
      // server's delayed ACK.
      netConnect({ host: spec.host, port: spec.port, noDelay: true })
  const timer = setTimeout(
    () =>
      socket.destroy(
        new ConnectError(
          `timed out after ${spec.connectTimeout}s during ${stage}`,
          'CONNECT_TIMEOUT',
        ),
      ),
    spec.connectTimeout * 1000,
  )
  try {
    const tls = tlsMode(spec)
    // Certificate files are read first: a missing one fails before anything is sent.
    const options: ConnectionOptions = tls === 'off' ? {} : tlsOptions(spec)
    await next(socket, 'connect')
    if (tls !== 'off') {
      stage = 'TLS negotiation'
      socket.write(SSL_REQUEST)
      const reply = await next<Buffer>(socket, 'data')
      if (reply.length > 1 && (reply[0] === S || reply[0] === N)) {
        // Bytes smuggled in before the handshake would be taken as if encrypted (CVE-2021-23222).
        throw new ConnectError('received unencrypted data after SSL response', 'PROTOCOL_ERROR')
      }
      if (reply[0] === S) {
        socket = tlsConnect({ socket, ...options })
        await next(socket, 'secureConnect')
      } else if (reply[0] !== N) {
        throw new ConnectError(
          `received invalid response to SSL negotiation: ${printable(reply)}`,
          'PROTOCOL_ERROR',
        )
      } else if (tls !== 'prefer') {
        throw new ConnectError(
          `the server does not support TLS, but sslmode=${spec.sslmode}`,
          'TLS_UNSUPPORTED',
        )
      }
    }
  } catch (err) {
    clearTimeout(timer)
    socket.destroy()
    throw err
  }
  stage = 'start-up and authentication'
  watchStartup(socket, () => clearTimeout(timer))
  return socket
}

function tlsMode(spec: ConnectionSpec): 'off' | 'prefer' | 'require' {
  // As libpq: a unix socket never speaks TLS, whatever sslmode says.
  if (spec.sslmode === 'disable' || spec.host.startsWith('/')) return 'off'
  return spec.sslmode === 'allow' || spec.sslmode === 'prefer' ? 'prefer' : 'require'
}

/**
 * Follows the server's messages until ReadyForQuery (or an ErrorResponse, which postgres.js
 * reports itself): a first message that no PostgreSQL server sends, or the server hanging up
 * before it is ready, becomes an error on the socket.
 */
function watchStartup(socket: Socket, done: () => void): void {
  let pending: Buffer = Buffer.alloc(0)
  let first = true
  const finish = () => {
    done()
    socket.off('data', onData)
    socket.off('end', onEnd)
  }
  const fail = (err: Error) => {
    finish()
    socket.destroy(err)
  }
  const onEnd = () =>
    fail(new ConnectError('the server closed the connection during start-up', 'CONNECTION_CLOSED'))
  const onData = (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
    while (pending.length >= 5) {
      const type = String.fromCharCode(pending[0] as number)
      if (first && !FIRST_MESSAGES.has(type)) {
        return fail(
          new ConnectError(
            `expected an authentication request from the server, but received ${printable(pending)}`,
            'PROTOCOL_ERROR',
          ),
        )
      }
      first = false
      if (type === 'Z' || type === 'E') return finish()
      const length = pending.readUInt32BE(1)
      if (pending.length < length + 1) return
      pending = pending.subarray(length + 1)
    }
  }
  socket.on('data', onData)
  socket.on('end', onEnd)
  socket.once('close', finish)
}

/** Waits for `event`; an error, or the socket closing first, rejects. */
function next<T = void>(socket: Socket, event: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const settle = (fn: () => void) => {
      socket.off(event, onEvent)
      socket.off('error', onError)
      socket.off('close', onClose)
      fn()
    }
    const onEvent = (value: T) => settle(() => resolve(value))
    const onError = (err: Error) => settle(() => reject(err))
    const onClose = () =>
      settle(() =>
        reject(
          new ConnectError('the server closed the connection unexpectedly', 'CONNECTION_CLOSED'),
        ),
      )
    socket.once(event, onEvent)
    socket.once('error', onError)
    socket.once('close', onClose)
  })
}

/** The first byte as psql shows it ("H"), or its code when it is not printable. */
function printable(data: Buffer): string {
  const byte = data[0] as number
  return byte >= 0x21 && byte <= 0x7e
    ? String.fromCharCode(byte)
    : `0x${byte.toString(16).padStart(2, '0')}`
}
