import { withExtraPeers, type ExtraCounts } from '../store/extra-peers.ts'
import { ClientError } from '../bittorrent/client-error.ts'
import type { ConnectionIds } from './connection-id.ts'
import { parseIp } from '../bittorrent/ip-address.ts'
import type { PeerStore } from '../store/peer-store.ts'
import {
  ACTION_ANNOUNCE, ACTION_CONNECT, ACTION_SCRAPE, HEADER_SIZE, MalformedPacketError, PACKET_MAX, SCRAPE_HASHES_MAX, isConnectRequest,
  parseAnnounce, parseScrape, readAction, readTransactionId, writeAnnounce, writeConnect, writeError, writeScrape,
  type UdpAnnounceLimits
} from './protocol.ts'

/** Packets by kind, bumped in place: the plugin hands in the object /stats reads. */
export interface UdpCounters {
  connect: number
  announce: number
  scrape: number
  /** Announces and scrapes that were refused (bad connection id, bad request) or failed. */
  announceFailure: number
  scrapeFailure: number
  /** Error replies sent. */
  error: number
  /** Packets that are not BEP 15 requests: too short or long, unknown action, bad magic, truncated. */
  malformed: number
}

export interface UdpHandlerOptions {
  store: PeerStore
  ids: ConnectionIds
  limits: UdpAnnounceLimits
  /** Seconds between announces, sent in every announce reply. */
  interval: number
  /** Most hashes in one scrape (at most BEP 15's 74). */
  scrapeMax: number
  counters: UdpCounters
  /** Told about failures that are ours, not the client's. */
  onError: (err: unknown) => void
  /** Counts refusals by the reason sent (the dashboard's table); failures only, never a served request. */
  reasons?: { count: (reason: string) => void }
  /** Peers of a torrent that the store does not hold (WebSocket peers), added to scrapes. */
  extraCounts?: ExtraCounts
}

/**
 * The UDP front end without the socket: one datagram in, the reply (or null: stay silent) out.
 *
 * Nothing reaches the swarms without a connection id proving the source address is real. Before
 * that proof, replies are never larger than the packet that caused them, so the tracker cannot
 * amplify traffic towards a spoofed address: a connect answers 16 bytes for 16, a bad id gets a
 * short error only when the request was at least as long, and anything unrecognised is dropped.
 */
export class UdpRequestHandler {
  private readonly o: UdpHandlerOptions
  private readonly scrapeMax: number

  constructor (options: UdpHandlerOptions) {
    this.o = options
    this.scrapeMax = Math.min(options.scrapeMax, SCRAPE_HASHES_MAX)
  }

  /**
   * The reply, or null to stay silent. A promise only when the store answers asynchronously:
   * the in-memory store answers at once, and a promise per datagram would cost a microtask turn.
   */
  handle (packet: Buffer, host: string, port: number): Buffer | null | Promise<Buffer | null> {
    const c = this.o.counters
    const source = packet.length < HEADER_SIZE || packet.length > PACKET_MAX ? null : parseIp(host)
    if (source === null) {
      c.malformed++
      return null
    }
    const action = readAction(packet)
    const tx = readTransactionId(packet)
    if (action === ACTION_CONNECT) {
      if (!isConnectRequest(packet)) {
        c.malformed++
        return null
      }
      c.connect++
      const reply = writeConnect(tx)
      this.o.ids.issue(source, port, reply, 8)
      return reply
    }
    if (action !== ACTION_ANNOUNCE && action !== ACTION_SCRAPE) {
      c.malformed++
      return null
    }
    if (action === ACTION_ANNOUNCE) c.announce++
    else c.scrape++
    if (!this.o.ids.verify(packet, 0, source, port)) {
      if (action === ACTION_ANNOUNCE) c.announceFailure++
      else c.scrapeFailure++
      this.o.reasons?.count('bad connection id')
      const reply = writeError(tx, 'bad connection id')
      if (reply.length > packet.length) return null
      c.error++
      return reply
    }
    try {
      if (action === ACTION_ANNOUNCE) {
        const v4 = source.length === 4
        const result = this.o.store.announce(parseAnnounce(packet, source, this.o.limits))
        if (result instanceof Promise) return result.then(r => writeAnnounce(tx, this.o.interval, r, v4), err => this.failed(action, tx, err))
        return writeAnnounce(tx, this.o.interval, result, v4)
      }
      const hashes = parseScrape(packet, this.scrapeMax)
      const entries = this.o.store.scrape(hashes)
      const extra = this.o.extraCounts?.(hashes)
      if (entries instanceof Promise || extra instanceof Promise) {
        return Promise.all([entries, extra]).then(([e, x]) => writeScrape(tx, x === undefined ? e : withExtraPeers(e, x)), err => this.failed(action, tx, err))
      }
      return writeScrape(tx, extra === undefined ? entries : withExtraPeers(entries, extra))
    } catch (err) {
      return this.failed(action, tx, err)
    }
  }

  /** The error reply for an announce or scrape that was refused or failed. */
  private failed (action: number, tx: number, err: unknown): Buffer {
    const c = this.o.counters
    if (action === ACTION_ANNOUNCE) c.announceFailure++
    else c.scrapeFailure++
    c.error++
    if (err instanceof ClientError) {
      if (err instanceof MalformedPacketError) c.malformed++
      this.o.reasons?.count(err.message)
      return writeError(tx, err.message)
    }
    this.o.reasons?.count('internal error')
    this.o.onError(err)
    return writeError(tx, 'internal error')
  }
}
