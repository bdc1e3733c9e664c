/**
 * Bytes per peer: RSS growth after GC divided by peers, for the tracker's store holding
 * `peers` peers over `torrents` torrents. Usage: node --expose-gc --import tsx bench/memory.ts [peers] [torrents]
 */
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { MemoryPeerStore } from '../lib/store/memory/memory-peer-store.ts'
import { announceFor } from './fill-store.ts'

const peers = Number(process.argv[2] ?? 1_000_000)
const torrents = Number(process.argv[3] ?? 100_000)
const gc = globalThis.gc ?? (() => { throw new Error('run with --expose-gc') })

// Inputs are made first so that only the store's growth is measured.
const hashes = Array.from({ length: torrents }, () => randomBytes(20))
const store = new MemoryPeerStore({ peerTimeout: 1800, similarityThreshold: 0.95 })
const batch = 100_000
/** A full GC, then time for V8 to hand the freed pages back (it unmaps them in the background). */
async function settle (): Promise<void> {
  gc()
  await sleep(500)
  gc()
}
await settle()
const before = process.memoryUsage().rss
const { heapUsed: heapBefore, arrayBuffers: buffersBefore } = process.memoryUsage()
for (let start = 0; start < peers; start += batch) {
  for (let n = start; n < Math.min(peers, start + batch); n++) {
    store.announce({ ...announceFor(hashes[n % torrents], n, n % 3 === 0 ? 0 : 1000), numwant: 0 })
  }
  gc()
}
await settle()
const after = process.memoryUsage().rss
const totals = store.totals()
const usage = process.memoryUsage()
console.log(JSON.stringify({
  peers: totals.peers,
  torrents: totals.torrents,
  rssGrowthMiB: +((after - before) / 2 ** 20).toFixed(1),
  bytesPerPeer: Math.round((after - before) / totals.peers),
  // What the store itself holds, without the allocator's retained pages. The heap can end
  // smaller than it started (start-up garbage), which says nothing about the store.
  liveBytesPerPeer: Math.round((Math.max(0, usage.heapUsed - heapBefore) + usage.arrayBuffers - buffersBefore) / totals.peers)
}))
