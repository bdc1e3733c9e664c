import { randomBytes } from 'node:crypto'
import { MemoryPeerStore } from '../lib/store/memory/memory-peer-store.ts'
import { EVENT_NONE, EVENT_STARTED, type AnnounceRequest } from '../lib/store/peer-store.ts'

/** An announce from peer number `n` (distinct address, port and id) to torrent `hash`. */
export function announceFor (hash: Buffer, n: number, left: number): AnnounceRequest {
  const endpoint = Buffer.allocUnsafe(6)
  endpoint.writeUInt32BE(0x0a000000 + Math.floor(n / 60000), 0)
  endpoint.writeUInt16BE(1024 + (n % 60000), 4)
  const peerId = randomBytes(20)
  return { infoHash: hash, peerId, endpoint, uploaded: n, downloaded: n, left, event: n % 2 === 0 ? EVENT_STARTED : EVENT_NONE, numwant: 50, key: 0, wantPeerIds: false, wantOtherFamily: true }
}

/** A store of `torrents` swarms holding `peers` peers in all, a third of them seeders. */
export function fillStore (torrents: number, peers: number, options: { similarityThreshold?: number } = {}): { store: MemoryPeerStore, hashes: Buffer[] } {
  const store = new MemoryPeerStore({ peerTimeout: 1800, similarityThreshold: options.similarityThreshold ?? 0.95 })
  const hashes = Array.from({ length: torrents }, () => randomBytes(20))
  for (let n = 0; n < peers; n++) store.announce({ ...announceFor(hashes[n % torrents], n, n % 3 === 0 ? 0 : 1000), numwant: 0 })
  return { store, hashes }
}
