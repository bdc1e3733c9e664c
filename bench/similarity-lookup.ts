/**
 * Cost of the first announce of an unknown info hash (similarity lookup, then a new swarm) with
 * 1,000 and with 1,000,000 torrents known. Usage: node --import tsx bench/similarity-lookup.ts
 */
import { randomBytes } from 'node:crypto'
import { SimilarityIndex } from '../lib/hash-similarity.ts'
import { TorrentIds } from '../lib/torrent-ids.ts'
import { announceFor, fillStore } from './fill-store.ts'

const probes = 50_000

function measure (known: number, threshold: number): number {
  const { store } = fillStore(known, known, { similarityThreshold: threshold })
  const fresh = Array.from({ length: probes }, () => randomBytes(20))
  const requests = fresh.map((hash, i) => announceFor(hash, known + i, 1))
  for (let i = 0; i < 1000; i++) store.announce(announceFor(randomBytes(20), i, 1)) // warm-up
  const started = process.hrtime.bigint()
  for (const r of requests) store.announce(r)
  return Number(process.hrtime.bigint() - started) / probes
}

/** The similarity index lookup alone, without creating the new swarm. */
function lookup (known: number, threshold: number): number {
  const ids = new TorrentIds()
  const index = new SimilarityIndex(threshold, ids)
  for (let i = 0; i < known; i++) index.add(ids.add(randomBytes(20)))
  const fresh = Array.from({ length: probes }, () => randomBytes(20))
  for (const h of fresh.slice(0, 1000)) index.find(h)
  const started = process.hrtime.bigint()
  for (const h of fresh) index.find(h)
  return Number(process.hrtime.bigint() - started) / probes
}

const rows = []
for (const threshold of [0.95, 0.8]) {
  const small = measure(1_000, threshold)
  const large = measure(1_000_000, threshold)
  const lookupSmall = lookup(1_000, threshold)
  const lookupLarge = lookup(1_000_000, threshold)
  rows.push({
    threshold,
    announceNsAt1k: Math.round(small),
    announceNsAt1M: Math.round(large),
    announceRatio: +(large / small).toFixed(2),
    lookupNsAt1k: Math.round(lookupSmall),
    lookupNsAt1M: Math.round(lookupLarge),
    lookupRatio: +(lookupLarge / lookupSmall).toFixed(2)
  })
}
console.log(JSON.stringify(rows))
