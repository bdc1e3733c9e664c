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
 * counted)}. The writer puts each torrent on a line of its own, which lets the loader parse the
 * file a line at a time.
 */
export const STATE_VERSION = 1

/** Serializes the store as a sequence of JSON text chunks, one torrent at a time. */
export function * serializeState (store: MemoryPeerStore): Generator<string> {
  yield `{"version":${STATE_VERSION},"saved_at":${JSON.stringify(new Date().toISOString())},"torrents":{`
  let first = true
  const { ids, swarms } = store
  for (let t = 0; t < ids.end; t++) {
    if (!ids.has(t)) continue
    let out = `${first ? '\n' : '\n,'}"${ids.hex(t)}":{"info":${JSON.stringify(store.info.get(t) ?? {})},"peers_info":[`
    first = false
    let n = 0
    for (const table of swarms.tables) {
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
  yield `\n},"aliases":${JSON.stringify(aliases)}}\n`
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
  const lines = emptyReport()
  if (loadByLine(text, store, lines)) return lines
  // Not laid out as serializeState writes it (an earlier version, edited by hand, cut short):
  // start over from the whole text, so that the result is the same as for any other layout.
  store.clear()
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
  const report = emptyReport()
  restoreTorrents(data.torrents, store, report)
  restoreAliases(data.aliases, store)
  return report
}

const emptyReport = (): LoadReport => ({ torrents: 0, peers: 0, expired: 0, skipped: 0 })

/** How serializeState starts a file; each torrent then has a line of its own. */
const HEADER_LINE = new RegExp(`^\\{"version":${STATE_VERSION},"saved_at":"[^"\\\\]*","torrents":\\{$`)
const TORRENT_LINE_START = /^,?"[0-9a-f]{40}":\{/

/**
 * Loads a file laid out as serializeState writes it, a torrent per line, parsing one line at a
 * time: the whole file as one JSON tree holds every peer as objects at once, which at a million
 * peers costs a quarter of the load time (mostly garbage collection) and 200 MiB at the peak.
 * False, with part of the file loaded, as soon as a line is not what serializeState writes.
 */
function loadByLine (text: string, store: MemoryPeerStore, report: LoadReport): boolean {
  let end = text.indexOf('\n')
  if (end === -1 || !HEADER_LINE.test(text.slice(0, end))) return false
  for (;;) {
    const start = end + 1
    end = text.indexOf('\n', start)
    if (end === -1) return false
    const line = text.slice(start, end)
    try {
      if (line.startsWith('},"aliases":')) {
        const tail = JSON.parse('{"torrents":{' + line) as Json
        // Only white space may follow.
        if (text.slice(end + 1).trim() !== '') return false
        restoreAliases(tail.aliases, store)
        return true
      }
      if (!TORRENT_LINE_START.test(line) || !line.endsWith('}')) return false
      restoreTorrents(JSON.parse('{' + (line.charCodeAt(0) === 44 ? line.slice(1) : line) + '}') as Json, store, report)
    } catch (err) {
      if (err instanceof SyntaxError) return false
      throw err
    }
  }
}

function restoreTorrents (torrents: Json, store: MemoryPeerStore, report: LoadReport): void {
  const cutoff = store.now() - store.peerTimeout
  for (const key in torrents) {
    const entry = torrents[key]
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
}

function restoreAliases (aliases: unknown, store: MemoryPeerStore): void {
  if (!isObject(aliases)) return
  for (const [alias, target] of Object.entries(aliases)) {
    if (HEX40.test(alias) && typeof target === 'string' && HEX40.test(target)) store.restoreAlias(alias, target)
  }
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
