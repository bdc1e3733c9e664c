import { STATUS_CODES, type Server } from 'node:http'
import type { Socket } from 'node:net'
import type { ConnectionError, FastifyHttpOptions } from 'fastify'
import { writeFailure } from '../lib/http/announce-response.ts'
import type { TrackerConfig } from './config-schema.ts'

/** Node's limit on a request's line and headers together; an announce is a few hundred bytes. */
export const MAX_HEADER_BYTES = 16 * 1024

/**
 * The HTTP server's defences against slow, idle and oversized clients, set explicitly rather
 * than inherited: a request must arrive whole within TRACKER_HEADERS_TIMEOUT (a tracker request
 * is all headers) and TRACKER_REQUEST_TIMEOUT with its body; an idle keep-alive connection is
 * closed after TRACKER_KEEPALIVE_TIMEOUT, longer than the 60 s nginx's example keeps its
 * upstream connections, so nginx, not the tracker, closes them (no request lost on a race).
 * Node checks the first two every `connectionsCheckingInterval`: once a second, not the 30 s
 * default, so a slow client holds its descriptor for the timeout and not half a minute more.
 */
export function serverOptions (config: TrackerConfig): Pick<FastifyHttpOptions<Server>, 'keepAliveTimeout' | 'requestTimeout' | 'http' | 'clientErrorHandler'> {
  return {
    keepAliveTimeout: config.TRACKER_KEEPALIVE_TIMEOUT * 1000,
    requestTimeout: config.TRACKER_REQUEST_TIMEOUT * 1000,
    http: {
      headersTimeout: config.TRACKER_HEADERS_TIMEOUT * 1000,
      connectionsCheckingInterval: 1000,
      maxHeaderSize: MAX_HEADER_BYTES
    },
    clientErrorHandler
  }
}

/** A request that never reached a route, as a torrent client or an admin caller should see it. */
function clientErrorHandler (err: ConnectionError, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  if (!socket.writable) { socket.destroy(); return }
  const [status, message] = err.code === 'HPE_HEADER_OVERFLOW'
    ? [431, `request line and headers exceed ${MAX_HEADER_BYTES} bytes`]
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'request not received in time']
      : [400, 'malformed HTTP request']
  // Clients show a bencoded failure reason to their users and take other answers for network trouble.
  const tracker = status === 431 && isTrackerRequest(err.rawPacket as unknown)
  const body = tracker ? writeFailure(message) : Buffer.from(JSON.stringify({ error: STATUS_CODES[status], message }))
  const code = tracker ? 200 : status
  socket.end(Buffer.concat([
    Buffer.from(`HTTP/1.1 ${code} ${STATUS_CODES[code] ?? ''}\r\nContent-Type: ${tracker ? 'text/plain' : 'application/json'}\r\n` +
      `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`, 'latin1'),
    body
  ]))
  lingerThenClose(socket)
}

/**
 * Closing a socket with unread input makes the kernel answer with a reset, which can destroy the
 * reply before the client has read it. Read and drop what the client still sends until it closes
 * its side, for two seconds at most.
 */
function lingerThenClose (socket: Socket): void {
  socket.removeAllListeners('data')
  socket.on('data', () => {})
  socket.resume()
  const timer = setTimeout(() => socket.destroy(), 2000).unref()
  socket.once('close', () => clearTimeout(timer))
  socket.once('end', () => socket.destroy())
}

const TRACKER_PATHS = ['GET /announce', 'GET /scrape', 'GET /?', 'GET / ']

/** Node gives the bytes it could not parse as a Buffer (Fastify's type says otherwise). */
function isTrackerRequest (raw: unknown): boolean {
  if (!Buffer.isBuffer(raw)) return false
  const start = raw.subarray(0, 14).toString('latin1')
  return TRACKER_PATHS.some(p => start.startsWith(p))
}
