import { formatIp } from '../bittorrent/ip-address.ts'
import type { PeerSnapshot, TorrentSnapshot } from '../store/peer-store.ts'
import { STATE_VERSION } from './state-format.ts'

/**
 * The state file as a sequence of JSON text chunks: a header, a line per torrent, the aliases
 * (and, for a private tracker, its members: `users`, any JSON value).
 */
export function * serializeState (torrents: Iterable<TorrentSnapshot>, users?: unknown): Generator<string> {
  const aliases: Record<string, string> = {}
  let first = true
  yield header()
  for (const torrent of torrents) {
    yield torrentLine(torrent, first, aliases)
    first = false
  }
  yield footer(aliases, users)
}

/** The same, from a store whose snapshot arrives asynchronously. */
export async function * serializeStateAsync (torrents: AsyncIterable<TorrentSnapshot>, users?: unknown): AsyncGenerator<string> {
  const aliases: Record<string, string> = {}
  let first = true
  yield header()
  for await (const torrent of torrents) {
    yield torrentLine(torrent, first, aliases)
    first = false
  }
  yield footer(aliases, users)
}

function header (): string {
  return `{"version":${STATE_VERSION},"saved_at":${JSON.stringify(new Date().toISOString())},"torrents":{`
}

/** A torrent's line; its aliases go into `aliases`, written at the end. */
function torrentLine (torrent: TorrentSnapshot, first: boolean, aliases: Record<string, string>): string {
  let out = `${first ? '\n' : '\n,'}"${torrent.infoHash}":{"info":${JSON.stringify(torrent.info ?? {})},"peers_info":[`
  let seeders = 0
  let n = 0
  for (const peer of torrent.peers) {
    if (peer.left === 0) seeders++
    out += (n++ === 0 ? '' : ',') + peerJson(peer)
  }
  // A registered torrent whose metadata is empty says so: `"info":{}` alone reads as unregistered.
  const registered = torrent.info !== null && Object.keys(torrent.info).length === 0 ? ',"registered":true' : ''
  out += `],"stats":{"completed":${torrent.completed},"seeders":${seeders},"leechers":${n - seeders}}${registered}}`
  for (const alias of torrent.aliases) aliases[alias] = torrent.infoHash
  return out
}

function footer (aliases: Record<string, string>, users: unknown): string {
  return `\n},"aliases":${JSON.stringify(aliases)}${users === undefined ? '' : `,"users":${JSON.stringify(users)}`}}\n`
}

function peerJson (peer: PeerSnapshot): string {
  const ep = peer.endpoint
  const addressLength = ep.length - 2
  return `{"peer_id":"${peer.peerId.toString('hex')}","ip":"${formatIp(ep.subarray(0, addressLength))}",` +
    `"port":${ep.readUInt16BE(addressLength)},"uploaded":${peer.uploaded},"downloaded":${peer.downloaded},` +
    `"left":${peer.left},"last_seen":${peer.seen},"key":${peer.key},"counted":${peer.counted}}`
}
