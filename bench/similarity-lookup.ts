/**
 * Cost of the first announce of an unknown info hash (similarity lookup, then a new swarm) with
 * 1,000 and with 1,000,000 torrents known (median of single announces). Usage: node --import tsx bench/similarity-lookup.ts
 */
import { randomBytes } from 'node:crypto'
import { SimilarityIndex } from '../lib/store/memory/hash-similarity.ts'
import { TorrentIds } from '../lib/store/memory/torrent-ids.ts'
import { announceFor, fillStore } from './fill-store.ts'

const probes = 50_000

/**
 * Each probe is timed on its own. The per-torrent arrays double when the torrent count passes a
 * power of two, a pause paid once per doubling: the mean charges all of it to the probes that
 * happen to cross one (at a million torrents, one doubling sized for a million), so the median
 * is the per-announce cost, and the longest probe shows the pause.
 */
function measure (known: number, threshold: number): { medianNs: number, meanNs: number, longestMs: number } {
  const { store } = fillStore(known, known, { similarityThreshold: threshold })
  const fresh = Array.from({ length: probes }, () => randomBytes(20))
  const requests = fresh.map((hash, i) => announceFor(hash, known + i, 1))
  for (let i = 0; i < 1000; i++) store.announce(announceFor(randomBytes(20), i, 1)) // warm-up
  const times = new Float64Array(probes)
  for (let i = 0; i < probes; i++) {
    const started = process.hrtime.bigint()
    store.announce(requests[i])
    times[i] = Number(process.hrtime.bigint() - started)
  }
  const total = times.reduce((a, b) => a + b, 0)
  times.sort()
  return { medianNs: times[probes >> 1], meanNs: total / probes, longestMs: times[probes - 1] / 1e6 }
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
    announceNsAt1k: Math.round(small.medianNs),
    announceNsAt1M: Math.round(large.medianNs),
    announceRatio: +(large.medianNs / small.medianNs).toFixed(2),
    meanNsAt1k: Math.round(small.meanNs),
    meanNsAt1M: Math.round(large.meanNs),
    longestMsAt1M: +large.longestMs.toFixed(1),
    lookupNsAt1k: Math.round(lookupSmall),
    lookupNsAt1M: Math.round(lookupLarge),
    lookupRatio: +(lookupLarge / lookupSmall).toFixed(2)
  })
}
console.log(JSON.stringify(rows))
