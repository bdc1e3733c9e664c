import { compactEndpoint } from '../bittorrent/ip-address.ts'
import { passkeyOfPath } from '../bittorrent/passkey-path.ts'
import { ClientError } from '../bittorrent/client-error.ts'
import {
  EVENT_COMPLETED, EVENT_NONE, EVENT_STARTED, EVENT_STOPPED, type AnnounceEvent, type AnnounceRequest,
  type AnnounceResult, type ScrapeEntry
} from '../store/peer-store.ts'

/**
 * The UDP tracker protocol (BEP 15) as bytes: requests parsed into the same AnnounceRequest the
 * HTTP front end builds, replies written into Buffers of exactly their size. Big-endian
 * throughout. Offsets: every request starts with connection id (8), action (4), transaction id (4).
 */
export const ACTION_CONNECT = 0
export const ACTION_ANNOUNCE = 1
export const ACTION_SCRAPE = 2
export const ACTION_ERROR = 3

export const HEADER_SIZE = 16
export const ANNOUNCE_SIZE = 98
export const ANNOUNCE_REPLY_HEADER = 20
/** BEP 15's "about 74" hashes per scrape: what keeps the request inside a 1500-byte frame. */
export const SCRAPE_HASHES_MAX = 74
/** The largest valid request (a full scrape); an announce's BEP 41 options must fit in it too. */
export const PACKET_MAX = HEADER_SIZE + SCRAPE_HASHES_MAX * 20

/**
 * Replies stay within the payload that crosses any IPv6 path unfragmented (1280-byte minimum
 * MTU less 40 IPv6 and 8 UDP header bytes), so no reply is lost to fragmentation, over either
 * family: 202 IPv4 or 67 IPv6 peers.
 */
export const REPLY_PAYLOAD_MAX = 1232
export const PEERS_MAX_V4 = Math.floor((REPLY_PAYLOAD_MAX - ANNOUNCE_REPLY_HEADER) / 6)
export const PEERS_MAX_V6 = Math.floor((REPLY_PAYLOAD_MAX - ANNOUNCE_REPLY_HEADER) / 18)

// The connect request's magic "connection id", 0x41727101980, in two 32-bit halves.
const PROTOCOL_ID_HIGH = 0x417
const PROTOCOL_ID_LOW = 0x27101980

// BEP 15 numbers events differently from our AnnounceEvent.
const EVENTS: readonly AnnounceEvent[] = [EVENT_NONE, EVENT_COMPLETED, EVENT_STARTED, EVENT_STOPPED]

/** A request whose layout is wrong, as opposed to one with a refused value; counted apart. */
export class MalformedPacketError extends ClientError {
  override name = 'MalformedPacketError'
}

export interface UdpAnnounceLimits {
  numwantDefault: number
  numwantMax: number
  /** Honour the request's IPv4 address field (off: it lets anyone point a swarm at a victim). */
  allowIpParam: boolean
  /** Read the passkey from the BEP 41 URL data (a private tracker). */
  passkeys?: boolean
}

const OPTION_END = 0
const OPTION_NOP = 1
const OPTION_URL_DATA = 2

/**
 * BEP 41: the path and query of the announce URL, carried in URL-data options after the fixed
 * body (several of them concatenate); '' if there are none. Malformed options end the reading.
 */
export function urlData (packet: Buffer): string {
  let out = ''
  let at = ANNOUNCE_SIZE
  while (at < packet.length) {
    const type = packet[at]
    if (type === OPTION_END) break
    if (type === OPTION_NOP) {
      at++
      continue
    }
    if (type !== OPTION_URL_DATA || at + 1 >= packet.length) break
    const length = packet[at + 1]
    out += packet.toString('latin1', at + 2, Math.min(packet.length, at + 2 + length))
    at += 2 + length
  }
  return out
}

export function readAction (packet: Buffer): number {
  return packet.readUInt32BE(8)
}

export function readTransactionId (packet: Buffer): number {
  return packet.readUInt32BE(12)
}

export function isConnectRequest (packet: Buffer): boolean {
  return packet.readUInt32BE(0) === PROTOCOL_ID_HIGH && packet.readUInt32BE(4) === PROTOCOL_ID_LOW
}

/**
 * An announce from `source` (4 or 16 address bytes, as the socket saw it). Bytes past the fixed
 * body are BEP 41 options, read only for a private tracker's passkey (urlData). The info hash
 * and peer id are views into the packet, which nothing else reuses.
 */
export function parseAnnounce (packet: Buffer, source: Buffer, limits: UdpAnnounceLimits): AnnounceRequest {
  if (packet.length < ANNOUNCE_SIZE) throw new MalformedPacketError('announce packet too short')
  const event = EVENTS[packet.readUInt32BE(80)]
  if (event === undefined) throw new ClientError('unknown event')
  const port = packet.readUInt16BE(96)
  if (port === 0) throw new ClientError('port must be between 1 and 65535')
  const cap = Math.min(limits.numwantMax, source.length === 4 ? PEERS_MAX_V4 : PEERS_MAX_V6)
  // num_want is signed: -1, or anything negative, asks for the default.
  const asked = packet.readInt32BE(92)
  const claimed = limits.allowIpParam ? packet.readUInt32BE(84) : 0
  return {
    infoHash: packet.subarray(16, 36),
    peerId: packet.subarray(36, 56),
    endpoint: compactEndpoint(claimed === 0 ? source : packet.subarray(84, 88), port),
    // In the HTTP front end's order: one object shape reaches the store from both.
    uploaded: readCounter(packet, 72, 'uploaded'),
    downloaded: readCounter(packet, 56, 'downloaded'),
    // Clients that do not know send all ones; any such amount still means "not a seeder".
    left: Math.min(readUint64(packet, 64), Number.MAX_SAFE_INTEGER),
    event,
    numwant: Math.min(asked < 0 ? limits.numwantDefault : asked, cap),
    key: packet.readInt32BE(88),
    wantPeerIds: false,
    wantOtherFamily: false,
    // A plain field, not a spread: the literal keeps one fast shape on every datagram.
    passkey: limits.passkeys === true ? passkeyOfPath(urlData(packet)) : undefined
  }
}

/** The info hashes of a scrape, in request order (the reply answers them position by position). */
export function parseScrape (packet: Buffer, max: number): Buffer[] {
  const body = packet.length - HEADER_SIZE
  if (body === 0 || body % 20 !== 0) throw new MalformedPacketError('scrape packet must carry whole 20-byte info hashes')
  if (body / 20 > max) throw new ClientError(`too many info hashes (at most ${max})`)
  const hashes: Buffer[] = []
  for (let at = HEADER_SIZE; at < packet.length; at += 20) hashes.push(packet.subarray(at, at + 20))
  return hashes
}

/** The connect reply; bytes 8 to 16 are left for the caller's connection id. */
export function writeConnect (transactionId: number): Buffer {
  const out = Buffer.allocUnsafe(16)
  out.writeUInt32BE(ACTION_CONNECT, 0)
  out.writeUInt32BE(transactionId, 4)
  return out
}

/** The announce reply: peers of the requester's own family (BEP 15 has one list per packet). */
export function writeAnnounce (transactionId: number, interval: number, r: AnnounceResult, v4: boolean): Buffer {
  const peers = v4 ? r.peers : r.peers6
  const out = Buffer.allocUnsafe(ANNOUNCE_REPLY_HEADER + peers.length)
  out.writeUInt32BE(ACTION_ANNOUNCE, 0)
  out.writeUInt32BE(transactionId, 4)
  out.writeUInt32BE(interval, 8)
  out.writeUInt32BE(u32(r.incomplete), 12)
  out.writeUInt32BE(u32(r.complete), 16)
  peers.copy(out, ANNOUNCE_REPLY_HEADER)
  return out
}

export function writeScrape (transactionId: number, entries: ScrapeEntry[]): Buffer {
  const out = Buffer.allocUnsafe(8 + entries.length * 12)
  out.writeUInt32BE(ACTION_SCRAPE, 0)
  out.writeUInt32BE(transactionId, 4)
  let at = 8
  for (const e of entries) {
    out.writeUInt32BE(u32(e.complete), at)
    out.writeUInt32BE(u32(e.downloaded), at + 4)
    out.writeUInt32BE(u32(e.incomplete), at + 8)
    at += 12
  }
  return out
}

export function writeError (transactionId: number, message: string): Buffer {
  const out = Buffer.allocUnsafe(8 + Buffer.byteLength(message))
  out.writeUInt32BE(ACTION_ERROR, 0)
  out.writeUInt32BE(transactionId, 4)
  out.write(message, 8)
  return out
}

/** Unsigned 64-bit, exact up to 2^53, approximate beyond. */
function readUint64 (packet: Buffer, at: number): number {
  return packet.readUInt32BE(at) * 0x100000000 + packet.readUInt32BE(at + 4)
}

/** A transfer counter, held to the range the HTTP front end accepts so both feed the same sums. */
function readCounter (packet: Buffer, at: number, name: string): number {
  const n = readUint64(packet, at)
  if (n > Number.MAX_SAFE_INTEGER) throw new ClientError(`${name} is too large`)
  return n
}

function u32 (n: number): number {
  return n > 0xffffffff ? 0xffffffff : n
}
