import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import fp from 'fastify-plugin'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import { AddressCounts, MessageRate } from '../lib/ws/limits.ts'
import {
  announceReply, answerFrame, failureFrame, offerFrame, parseMessage, scrapeReply,
  WsClientError, type Counts, type WsAnnounce, type WsScrape
} from '../lib/ws/protocol.ts'
import { WsSwarmRegistry } from '../lib/ws/swarm-registry.ts'
import { ClientError } from '../lib/bittorrent/client-error.ts'
import type { RedisWsDirectory } from '../lib/store/redis/ws-directory.ts'
import type { ExtraCounts } from '../lib/store/extra-peers.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Seeders and leechers of each torrent (20 raw bytes) connected over WebSocket: to this
     * process, or with a shared store to any; zeros when there are none or WebSocket is off.
     * HTTP/UDP scrape and /stats add them.
     */
    webSocketCounts: ExtraCounts
    /** Open WebSocket connections, and the peers and torrents they announced, for /stats and /metrics. */
    webSocketTotals: () => { connections: number, peers: number, torrents: number }
  }
}

/** Largest message taken; ws closes the connection (1009) on a larger one. SDP offers are a few KiB. */
export const WS_MAX_PAYLOAD = 64 * 1024
/** Most offers in one announce (bittorrent-tracker's Client sends at most 5, WebTorrent up to 10). */
export const WS_MAX_OFFERS = 10
/** A peer whose outgoing buffer is past this is not reading: relays to it are dropped, not queued. */
const MAX_BUFFERED = 1024 * 1024

/**
 * One WebSocket connection: its message allowance (inherited, one object less per connection),
 * whether it answered the last ping, and what it announced. Thousands sit idle at once, so it
 * holds no closures: the socket's handlers are shared and find it through `connections`.
 */
class Connection extends MessageRate {
  /** Answered the last ping (or sent something) since. */
  alive = true
  /**
   * The peers this connection announced, as info hash, peer id, info hash, peer id...: made on
   * the first announce, and holding the strings the registry keeps anyway. bittorrent-tracker's
   * Client shares one socket between all its torrents and clients in a page (even on one
   * torrent), but most connections announce one peer: a flat array costs a fraction of a Map.
   */
  joined: string[] | null = null

  constructor (readonly address: string, perSecond: number) { super(perSecond) }
}

export interface WebSocketOptions {
  /** Seconds since the epoch, for peer expiry; tests move it. */
  clock?: () => number
  /** False keeps the endpoint off whatever TRACKER_WEBSOCKET says (access rules it cannot apply). */
  enabled?: boolean
  /**
   * With a shared store: where every process's browsers are, so that offers and answers reach
   * browsers connected to other processes. Without it, swarms are this process's browsers only.
   */
  directory?: RedisWsDirectory
}

/**
 * The WebTorrent tracker: WebSocket upgrades on the HTTP port (`/announce` and `/`), handled by
 * `ws` on the Fastify server's `upgrade` event. Browsers' WebRTC offers and answers are relayed
 * between the WebSocket peers of a torrent: those of this process (lib/ws), and with a shared
 * store those of every process (lib/store/redis/ws-directory.ts), through Redis pub/sub.
 */
export default fp<WebSocketOptions>(async (fastify, options) => {
  const { config } = fastify
  const registry = new WsSwarmRegistry<WebSocket>()
  const connections = new Map<WebSocket, Connection>()
  const { directory } = options
  const enabled = config.TRACKER_WEBSOCKET && options.enabled !== false
  const countsOf = (hashes: string[]): Counts[] | Promise<Counts[]> => directory === undefined || !enabled
    ? hashes.map(h => registry.counts(h))
    : Promise.all(hashes.map(async h => await directory.counts(h)))
  fastify.decorate('webSocketCounts', (hashes: Buffer[]) => countsOf(hashes.map(h => h.toString('latin1'))))
  fastify.decorate('webSocketTotals', () => ({ connections: connections.size, peers: registry.peers, torrents: registry.torrents }))
  if (!enabled) return

  const clock = options.clock ?? (() => Math.floor(Date.now() / 1000))
  const log = fastify.log.child({ plugin: 'websocket' })
  const counts = fastify.requestCounts.ws
  const limits = { maxOffers: WS_MAX_OFFERS, maxScrape: config.TRACKER_SCRAPE_MAX }
  // Browsers re-announce to send fresh offers; bittorrent-tracker asks for a fifth of its HTTP interval.
  const interval = Math.ceil(config.TRACKER_ANNOUNCE_INTERVAL / 5)
  const perAddress = new AddressCounts(config.TRACKER_WS_MAX_PER_ADDRESS)
  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD, perMessageDeflate: false, clientTracking: false })
  let closing = false

  fastify.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', destroySocket)
    const path = (req.url ?? '/').split('?')[0]
    if (path !== '/announce' && path !== '/') return refuse(socket, 404, 'Not Found', 'WebSocket is served on /announce')
    if (closing) return refuse(socket, 503, 'Service Unavailable', 'tracker shutting down')
    if (connections.size >= config.TRACKER_WS_MAX_CONNECTIONS) return refuse(socket, 503, 'Service Unavailable', 'too many WebSocket connections')
    const address = fastify.upgradeAddress(req)
    if (perAddress.count(address) >= config.TRACKER_WS_MAX_PER_ADDRESS) return refuse(socket, 429, 'Too Many Requests', 'too many WebSocket connections from this address')
    wss.handleUpgrade(req, socket, head, ws => accept(ws, address))
  })

  function accept (ws: WebSocket, address: string): void {
    perAddress.acquire(address)
    connections.set(ws, new Connection(address, config.TRACKER_WS_MESSAGES_PER_SECOND))
    ws.on('pong', onPong)
    ws.on('error', onError)
    ws.on('close', onClose)
    ws.on('message', onMessage)
  }

  function onPong (this: WebSocket): void {
    const conn = connections.get(this)
    if (conn !== undefined) conn.alive = true
  }

  function onError (this: WebSocket, err: Error): void {
    log.debug({ err, address: connections.get(this)?.address }, 'WebSocket error')
  }

  function onClose (this: WebSocket): void {
    const conn = connections.get(this)
    if (conn === undefined) return
    const joined = conn.joined ?? []
    for (let i = 0; i < joined.length; i += 2) {
      const infoHash = joined[i]
      const peerId = joined[i + 1]
      // A browser that reconnected (to this process) keeps its place in the directory.
      if (registry.leave(infoHash, peerId, this) && directory !== undefined) {
        directory.leave(infoHash, peerId).catch((err: unknown) => log.debug({ err }, 'WebSocket peer not removed from the shared store'))
      }
    }
    connections.delete(this)
    perAddress.release(conn.address)
  }

  function onMessage (this: WebSocket, data: RawData, isBinary: boolean): void {
    const ws = this
    const conn = connections.get(ws)
    if (conn === undefined) return
    conn.alive = true
    if (isBinary) return ws.close(1003, 'binary frames are not supported: send JSON text')
    const verdict = conn.take(Date.now())
    if (verdict === 'close') return ws.close(1008, 'too many messages')
    if (verdict === 'refuse') return fail(ws, 'announce', `too many messages: at most ${config.TRACKER_WS_MESSAGES_PER_SECOND} per second`)
    let request
    try {
      request = parseMessage(rawText(data), limits)
      if (request.action === 'announce') return onAnnounce(ws, conn, request)
    } catch (err) {
      if (err instanceof WsClientError) return fail(ws, err.action, err.message, err.infoHash)
      // Ours, not the client's: logged, and the client gets a generic failure, never a crash.
      log.error({ err, address: conn.address }, 'WebSocket message failed')
      return fail(ws, 'announce', 'internal tracker error')
    }
    onScrape(ws, request).catch((err: unknown) => {
      log.error({ err, address: conn.address }, 'WebSocket scrape failed')
      fail(ws, 'scrape', 'internal tracker error')
    })
  }

  function onAnnounce (ws: WebSocket, conn: Connection, request: WsAnnounce): void {
    counts.announce++
    const { infoHash, peerId } = request
    const want = Math.min(request.offers.length, config.TRACKER_NUMWANT_MAX)
    const outcome = registry.announce(ws, request, clock(), directory === undefined ? want : 0)
    const joined = conn.joined
    if (joined === null) {
      if (request.event !== 'stopped') conn.joined = [infoHash, peerId]
    } else {
      const at = pairIndex(joined, infoHash, peerId)
      if (request.event === 'stopped') {
        if (at !== -1) joined.splice(at, 2)
      } else if (at === -1) joined.push(infoHash, peerId)
    }
    const counted = outcome.completed ? countCompletion(infoHash) : undefined
    if (directory !== undefined) {
      onSharedAnnounce(ws, request, want, directory, counted).catch((err: unknown) => {
        if (!(err instanceof ClientError)) log.error({ err }, 'WebSocket announce failed')
        fail(ws, 'announce', err instanceof ClientError ? err.message : 'tracker storage unavailable, try again later', infoHash)
      })
      return
    }
    // bittorrent-tracker sends no reply to a message that carries an answer.
    if (request.answer === undefined) send(ws, announceReply(infoHash, outcome.counts, interval))
    outcome.targets.forEach((target, i) => send(target, offerFrame(infoHash, peerId, request.offers[i])))
    if (request.answer !== undefined) {
      const target = registry.find(infoHash, request.answer.toPeerId)
      if (target !== undefined) send(target, answerFrame(infoHash, peerId, request.answer.sdp, request.answer.offerId))
    }
  }

  /** Into the store: the torrent's `downloaded` (scrapes, /stats, the state file) counts browsers too. */
  async function countCompletion (infoHash: string): Promise<void> {
    try {
      await fastify.peers.complete(Buffer.from(infoHash, 'latin1'))
    } catch (err) {
      log.warn({ err }, 'a WebSocket completion was not counted')
    }
  }

  /** The announce with a shared store: targets and counts come from every process's browsers. */
  async function onSharedAnnounce (ws: WebSocket, request: WsAnnounce, want: number, directory: RedisWsDirectory, counted?: Promise<void>): Promise<void> {
    const { infoHash, peerId, answer } = request
    const seeder = request.left === 0 || request.event === 'completed'
    const outcome = await directory.announce({ infoHash, peerId, seeder, stopped: request.event === 'stopped', want })
    // Answered once counted, so the browser's own next scrape, wherever it lands, counts it.
    await counted
    if (answer === undefined) send(ws, announceReply(infoHash, outcome.counts, interval))
    await Promise.all(outcome.targets.map(async (target, i) => {
      const frame = offerFrame(infoHash, peerId, request.offers[i])
      if (target.instance !== directory.instance) return await directory.send(target.instance, infoHash, target.peerId, frame)
      const socket = registry.find(infoHash, target.peerId)
      if (socket !== undefined) send(socket, frame)
    }))
    if (answer === undefined) return
    const frame = answerFrame(infoHash, peerId, answer.sdp, answer.offerId)
    const socket = registry.find(infoHash, answer.toPeerId)
    if (socket !== undefined) return send(socket, frame)
    const instance = await directory.locate(infoHash, answer.toPeerId)
    if (instance !== undefined && instance !== directory.instance) await directory.send(instance, infoHash, answer.toPeerId, frame)
  }

  async function onScrape (ws: WebSocket, request: WsScrape): Promise<void> {
    counts.scrape++
    let hashes = request.infoHashes
    if (hashes.length === 0) {
      if (!config.TRACKER_FULL_SCRAPE) return fail(ws, 'scrape', 'full scrape is disabled: give at least one info_hash')
      hashes = registry.infoHashes().slice(0, config.TRACKER_SCRAPE_MAX)
    }
    const [stored, browsers] = await Promise.all([fastify.peers.scrape(hashes.map(h => Buffer.from(h, 'latin1'))), countsOf(hashes)])
    send(ws, scrapeReply(hashes.map((infoHash, i) => {
      const ws = browsers[i]
      return { infoHash, complete: stored[i].complete + ws.complete, incomplete: stored[i].incomplete + ws.incomplete, downloaded: stored[i].downloaded }
    }), config.TRACKER_MIN_INTERVAL))
  }

  // Frames other processes relay to this process's browsers.
  if (directory !== undefined) {
    await directory.listen((infoHash, peerId, frame) => {
      const socket = registry.find(infoHash, peerId)
      if (socket !== undefined) send(socket, frame)
    })
    fastify.addHook('onClose', async () => { await directory.close() })
  }

  // A connection that did not answer the last ping is gone (a closed laptop sends no FIN).
  const pinger = setInterval(() => {
    for (const [ws, conn] of connections) {
      if (!conn.alive) {
        ws.terminate()
        continue
      }
      conn.alive = false
      ws.ping()
    }
  }, config.TRACKER_WS_PING_INTERVAL * 1000).unref()

  // Peers whose socket stays open but who stopped announcing (a paused tab) expire like any peer.
  const sweeper = setInterval(() => {
    const dropped = registry.sweep(clock(), config.TRACKER_PEER_TIMEOUT)
    if (dropped > 0) log.debug({ dropped }, 'silent WebSocket peers dropped')
  }, Math.min(config.TRACKER_PEER_TIMEOUT, 60) * 1000).unref()

  // Before the HTTP server closes, which would otherwise wait for every open WebSocket.
  fastify.addHook('preClose', async () => {
    closing = true
    clearInterval(pinger)
    clearInterval(sweeper)
    const open = [...connections.keys()]
    await new Promise<void>(resolve => {
      if (open.length === 0) return resolve()
      let left = open.length
      const timer = setTimeout(() => { for (const ws of open) ws.terminate() }, 1000).unref()
      for (const ws of open) {
        ws.once('close', () => { if (--left === 0) { clearTimeout(timer); resolve() } })
        ws.close(1001, 'tracker shutting down')
      }
    })
    wss.close()
  })

  /** A failure frame, counted with its reason (/stats, the dashboard). */
  function fail (ws: WebSocket, action: 'announce' | 'scrape', reason: string, infoHash?: string): void {
    counts.failure++
    fastify.failureReasons.count(reason)
    send(ws, failureFrame(action, reason, infoHash))
  }

  function send (ws: WebSocket, frame: string): void {
    if (ws.readyState !== WebSocket.OPEN || ws.bufferedAmount > MAX_BUFFERED) return
    ws.send(frame)
  }
}, { name: 'websocket', dependencies: ['config', 'client-address', 'peer-store', 'request-counters'] })

/** Where the pair (a, b) starts in a flat array of pairs; -1 if it is not there. */
function pairIndex (pairs: string[], a: string, b: string): number {
  for (let i = 0; i < pairs.length; i += 2) if (pairs[i] === a && pairs[i + 1] === b) return i
  return -1
}

function destroySocket (this: Duplex): void {
  this.destroy()
}

function rawText (data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8')
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data).toString('utf8')
}

/** Answers a refused upgrade with a plain HTTP status, as browsers show it in their console. */
function refuse (socket: Duplex, status: number, statusText: string, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`)
}
