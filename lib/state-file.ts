import { isAscii } from 'node:buffer'
import { formatIp, parseIp } from './ip-address.ts'
import type { MemoryPeerStore } from './memory-peer-store.ts'
import type { TorrentInfo } from './peer-store.ts'
import { FLAG_COUNTED, type PeerFields, type PeerTables } from './peer-table.ts'

/**
 * The state file, in the seed's shape:
 *
 *   {"version": 1, "saved_at": ISO date,
 *    "torrents": {<hex info hash>: {"info": {...}, "peers_info": [peer...], "stats": {...}}},
 *    "aliases": {<hex alias>: <hex info hash>}}
 *
 * with each peer {"peer_id": hex, "ip", "port", "uploaded", "downloaded", "left", "last_seen"
 * (unix seconds), "key" (digest of the client's key, 0 for none), "counted" (its completion was
 * counted)}.
 */
export const STATE_VERSION = 1

/** Serializes the store as a sequence of JSON text chunks, one torrent at a time. */
export function * serializeState (store: MemoryPeerStore): Generator<string> {
  yield `{"version":${STATE_VERSION},"saved_at":${JSON.stringify(new Date().toISOString())},"torrents":{`
  let first = true
  const { ids, swarms } = store
  for (let t = 0; t < ids.end; t++) {
    if (!ids.has(t)) continue
    let out = `${first ? '' : ','}"${ids.hex(t)}":{"info":${JSON.stringify(store.info.get(t) ?? {})},"peers_info":[`
    first = false
    let n = 0
    for (const table of [swarms.v4, swarms.v6]) {
      if (table.countOf(t) === 0) continue
      table.select(t)
      for (let s = 0; s < table.count; s++) out += (n++ === 0 ? '' : ',') + peerJson(table, s)
    }
    const seeders = swarms.seeders(t)
    out += `],"stats":{"completed":${swarms.completed[t]},"seeders":${seeders},"leechers":${swarms.peers(t) - seeders}}}`
    yield out
  }
  const aliases: Record<string, string> = {}
  for (const [alias, t] of store.aliases) aliases[alias] = ids.hex(t)
  yield `},"aliases":${JSON.stringify(aliases)}}\n`
}

/** Peer `s` of the table's selected torrent. */
function peerJson (table: PeerTables, s: number): string {
  const ep = table.endpoint(s)
  const addressLength = ep.length - 2
  return `{"peer_id":"${table.peerId(s).toString('hex')}","ip":"${formatIp(ep.subarray(0, addressLength))}",` +
    `"port":${ep.readUInt16BE(addressLength)},"uploaded":${table.uploadedOf(s)},"downloaded":${table.downloadedOf(s)},` +
    `"left":${table.leftOf(s)},"last_seen":${table.seenOf(s)},"key":${table.keyOf(s)},` +
    `"counted":${(table.flagsOf(s) & FLAG_COUNTED) !== 0}}`
}

export interface LoadReport {
  torrents: number
  peers: number
  expired: number
  skipped: number
}

/** The file cannot be understood as a state file at all: it is kept aside, never overwritten. */
export class CorruptStateError extends Error {
  override name = 'CorruptStateError'
}

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0
const HEX40 = /^[0-9a-f]{40}$/

/**
 * The text of a state file. The file is nearly all ASCII (hex, numbers, addresses), which can be
 * taken as one-byte text without UTF-8 decoding, a good part of the load time at a million peers;
 * a file with other characters (in torrent names) is decoded as UTF-8.
 */
export function stateText (bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8')
}

/**
 * Loads a state file's text into an empty store. Peers silent for longer than the store's
 * timeout are dropped; single malformed peers or torrents are skipped and counted.
 */
export function loadState (text: string, store: MemoryPeerStore): LoadReport {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    throw new CorruptStateError(`not valid JSON: ${(err as Error).message}`)
  }
  if (!isObject(data) || !isObject(data.torrents)) throw new CorruptStateError('no "torrents" object')
  if (data.version !== undefined && data.version !== STATE_VERSION) {
    throw new CorruptStateError(`unsupported version ${String(data.version)}`)
  }
  const report: LoadReport = { torrents: 0, peers: 0, expired: 0, skipped: 0 }
  const cutoff = store.now() - store.peerTimeout
  for (const [key, entry] of Object.entries(data.torrents)) {
    const hex = key.toLowerCase()
    if (!HEX40.test(hex) || !isObject(entry)) { report.skipped++; continue }
    const stats = isObject(entry.stats) ? entry.stats : {}
    const peers = Array.isArray(entry.peers_info) ? entry.peers_info : []
    const torrent = store.restoreTorrent(hex, readInfo(entry.info), isCount(stats.completed) ? stats.completed : 0, peers.length)
    report.torrents++
    for (const peer of peers) {
      const parsed = readPeer(peer)
      if (parsed === null) { report.skipped++; continue }
      if (parsed.seen < cutoff) { report.expired++; continue }
      store.restorePeer(torrent, parsed.endpoint, parsed, parsed.seen, parsed.counted)
      report.peers++
    }
  }
  if (isObject(data.aliases)) {
    for (const [alias, target] of Object.entries(data.aliases)) {
      if (HEX40.test(alias) && typeof target === 'string' && HEX40.test(target)) store.restoreAlias(alias, target)
    }
  }
  return report
}

function readInfo (info: unknown): TorrentInfo | null {
  if (!isObject(info) || Object.keys(info).length === 0) return null
  const out: TorrentInfo = {}
  if (typeof info.name === 'string') out.name = info.name
  if (isCount(info.size)) out.size = info.size
  if (isCount(info.piece_length)) out.piece_length = info.piece_length
  if (typeof info.comment === 'string') out.comment = info.comment
  if (typeof info.created_by === 'string') out.created_by = info.created_by
  if (isCount(info.creation_date)) out.creation_date = info.creation_date
  if (typeof info.private === 'boolean') out.private = info.private
  return out
}

// Peers are copied into the packed tables, so parsing can reuse these instead of allocating.
const scratchId = Buffer.alloc(20)
const scratch4 = Buffer.alloc(6)
const scratch6 = Buffer.alloc(18)

function readPeer (peer: unknown): (PeerFields & { endpoint: Buffer, seen: number, counted: boolean }) | null {
  if (!isObject(peer) || typeof peer.ip !== 'string' || typeof peer.peer_id !== 'string') return null
  const address = parseIp(peer.ip)
  const port = peer.port
  if (address === null || !Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) return null
  const endpoint = address.length === 4 ? scratch4 : scratch6
  address.copy(endpoint)
  endpoint.writeUInt16BE(port as number, address.length)
  const id = peer.peer_id
  // Older files kept the peer id as its 20 raw characters rather than hex.
  const hexOk = id.length === 40 && scratchId.write(id, 'hex') === 20
  if (!hexOk && (id.length !== 20 || scratchId.write(id, 'latin1') !== 20)) return null
  const seen = typeof peer.last_seen === 'number' && peer.last_seen >= 0 ? Math.floor(peer.last_seen) : -1
  if (seen < 0) return null
  return {
    peerId: scratchId,
    endpoint,
    uploaded: isCount(peer.uploaded) ? peer.uploaded : 0,
    downloaded: isCount(peer.downloaded) ? peer.downloaded : 0,
    left: isCount(peer.left) ? peer.left : 0,
    seen,
    key: Number.isInteger(peer.key) ? (peer.key as number) | 0 : 0,
    counted: peer.counted === true
  }
}
