import { isAscii } from 'node:buffer'
import { parseIp } from '../bittorrent/ip-address.ts'
import type { PeerList, PeerSnapshot, PeerStore, TorrentInfo } from '../store/peer-store.ts'
import { CorruptStateError, STATE_VERSION } from './state-format.ts'

export interface LoadReport {
  torrents: number
  peers: number
  expired: number
  /** Entries dropped or fields reset because they were not what the format says. */
  skipped: number
  /** Why, as reason -> count; empty when nothing was skipped. */
  reasons: Record<string, number>
  /** The file's `users` (a private tracker's members), for their own reader; undefined if none. */
  users?: unknown
}

function skip (report: LoadReport, reason: string): void {
  report.skipped++
  report.reasons[reason] = (report.reasons[reason] ?? 0) + 1
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
 * Loads a state file's text into an empty store, through its restore. Peers silent for longer
 * than the store's timeout are left out; malformed peers, torrents and fields are skipped and
 * counted by reason.
 */
export async function loadState (text: string, store: PeerStore): Promise<LoadReport> {
  const lines = emptyReport()
  if (await loadByLine(text, store, lines)) return lines
  // Not laid out as serializeState writes it (an earlier version, edited by hand, cut short):
  // start over from the whole text, so that the result is the same as for any other layout.
  await store.clear()
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
  await restoreTorrents(data.torrents, store, report)
  await restoreAliases(data.aliases, store, report)
  if (data.users !== undefined) report.users = data.users
  return report
}

const emptyReport = (): LoadReport => ({ torrents: 0, peers: 0, expired: 0, skipped: 0, reasons: {} })

/** How serializeState starts a file; each torrent then has a line of its own. */
const HEADER_LINE = new RegExp(`^\\{"version":${STATE_VERSION},"saved_at":"[^"\\\\]*","torrents":\\{$`)
const TORRENT_LINE_START = /^,?"[0-9a-f]{40}":\{/

/**
 * Loads a file laid out as serializeState writes it, a torrent per line, parsing one line at a
 * time: the whole file as one JSON tree holds every peer as objects at once, which at a million
 * peers costs a quarter of the load time (mostly garbage collection) and 200 MiB at the peak.
 * False, with part of the file loaded, as soon as a line is not what serializeState writes.
 */
async function loadByLine (text: string, store: PeerStore, report: LoadReport): Promise<boolean> {
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
        await restoreAliases(tail.aliases, store, report)
        if (tail.users !== undefined) report.users = tail.users
        return true
      }
      if (!TORRENT_LINE_START.test(line) || !line.endsWith('}')) return false
      await restoreTorrents(JSON.parse('{' + (line.charCodeAt(0) === 44 ? line.slice(1) : line) + '}') as Json, store, report)
    } catch (err) {
      if (err instanceof SyntaxError) return false
      throw err
    }
  }
}

async function restoreTorrents (torrents: Json, store: PeerStore, report: LoadReport): Promise<void> {
  for (const key in torrents) {
    const entry = torrents[key]
    const hex = key.toLowerCase()
    if (!HEX40.test(hex)) { skip(report, 'torrent key is not a 40-digit hex info hash'); continue }
    if (!isObject(entry)) { skip(report, 'torrent entry is not an object'); continue }
    const stats = isObject(entry.stats) ? entry.stats : {}
    if (entry.stats !== undefined && !isObject(entry.stats)) skip(report, 'torrent stats is not an object')
    if (stats.completed !== undefined && !isCount(stats.completed)) skip(report, 'stats.completed is not a count (reset to 0)')
    const peers = Array.isArray(entry.peers_info) ? entry.peers_info : []
    if (entry.peers_info !== undefined && !Array.isArray(entry.peers_info)) skip(report, 'peers_info is not a list')
    const valid = validPeers(peers, report)
    const pending = store.restore({
      infoHash: hex,
      info: readInfo(entry.info, report) ?? (entry.registered === true ? {} : null),
      completed: isCount(stats.completed) ? stats.completed : 0,
      peers: valid,
      aliases: []
    })
    const result = pending instanceof Promise ? await pending : pending
    report.torrents++
    report.peers += result.peers
    report.expired += result.expired
    // A peer the store already had: the same address and port, or the same key, listed twice.
    for (let n = valid.read - result.peers - result.expired; n > 0; n--) skip(report, 'peer listed twice (same address and port, or key)')
  }
}

/** The peers that read as peers, one at a time: each is consumed before the next is read. */
function validPeers (peers: unknown[], report: LoadReport): PeerList & { read: number } {
  const list = {
    length: peers.length,
    /** Peers handed to the store so far. */
    read: 0,
    * [Symbol.iterator] () {
      for (const peer of peers) {
        const parsed = readPeer(peer, report)
        if (parsed === null) continue
        list.read++
        yield parsed
      }
    }
  }
  return list
}

/** Aliases come after every torrent: each is added to its torrent, if the file had that torrent. */
async function restoreAliases (aliases: unknown, store: PeerStore, report: LoadReport): Promise<void> {
  if (aliases === undefined) return
  if (!isObject(aliases)) { skip(report, 'aliases is not an object'); return }
  for (const [alias, target] of Object.entries(aliases)) {
    if (!HEX40.test(alias) || typeof target !== 'string' || !HEX40.test(target)) {
      skip(report, 'alias is not a pair of 40-digit hex info hashes')
      continue
    }
    if ((await store.list({ infoHash: target, limit: 1, offset: 0 })).total === 0) {
      skip(report, 'alias of a torrent not in the file')
      continue
    }
    await store.restore({ infoHash: target, info: null, completed: 0, peers: [], aliases: [alias] })
  }
}

const isString = (v: unknown): v is string => typeof v === 'string'
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean'
/** The metadata fields and the type each must have; a field of another type is dropped. */
const INFO_FIELDS: ReadonlyArray<[keyof TorrentInfo, (v: unknown) => boolean]> = [
  ['name', isString], ['size', isCount], ['piece_length', isCount], ['comment', isString],
  ['created_by', isString], ['creation_date', isCount], ['private', isBoolean]
]

function readInfo (info: unknown, report: LoadReport): TorrentInfo | null {
  if (info === undefined) return null
  if (!isObject(info)) { skip(report, 'torrent info is not an object'); return null }
  if (Object.keys(info).length === 0) return null
  const out: Record<string, unknown> = {}
  for (const [field, valid] of INFO_FIELDS) {
    const value = info[field]
    if (value === undefined) continue
    if (valid(value)) out[field] = value
    else skip(report, `info.${field} has the wrong type`)
  }
  return out as TorrentInfo
}

// A store copies each restored peer before the next is read, so parsing reuses these.
const scratchId = Buffer.alloc(20)
const scratch4 = Buffer.alloc(6)
const scratch6 = Buffer.alloc(18)

function readPeer (peer: unknown, report: LoadReport): PeerSnapshot | null {
  if (!isObject(peer)) { skip(report, 'peer is not an object'); return null }
  const address = typeof peer.ip === 'string' ? parseIp(peer.ip) : null
  if (address === null) { skip(report, 'peer ip is not an IP address'); return null }
  const port = peer.port
  if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) { skip(report, 'peer port is not 1-65535'); return null }
  const endpoint = address.length === 4 ? scratch4 : scratch6
  address.copy(endpoint)
  endpoint.writeUInt16BE(port as number, address.length)
  const id = peer.peer_id
  // Older files kept the peer id as its 20 raw characters rather than hex.
  const hexOk = typeof id === 'string' && id.length === 40 && scratchId.write(id, 'hex') === 20
  if (!hexOk && (typeof id !== 'string' || id.length !== 20 || scratchId.write(id, 'latin1') !== 20)) {
    skip(report, 'peer_id is not 20 bytes in hex')
    return null
  }
  // Kept as 32-bit seconds: a larger number (a corrupted digit, 1e400) is no time it could hold.
  const seen = typeof peer.last_seen === 'number' && peer.last_seen >= 0 && peer.last_seen < 2 ** 32 ? Math.floor(peer.last_seen) : -1
  if (seen < 0) { skip(report, 'peer last_seen is not a time'); return null }
  return {
    peerId: scratchId,
    endpoint,
    uploaded: counter(peer.uploaded, 'uploaded', report),
    downloaded: counter(peer.downloaded, 'downloaded', report),
    left: counter(peer.left, 'left', report),
    seen,
    key: Number.isInteger(peer.key) ? (peer.key as number) | 0 : 0,
    counted: peer.counted === true
  }
}

function counter (value: unknown, field: string, report: LoadReport): number {
  if (isCount(value)) return value
  if (value !== undefined) skip(report, `peer ${field} is not a count (reset to 0)`)
  return 0
}
