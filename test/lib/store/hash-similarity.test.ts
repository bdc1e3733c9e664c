import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { SimilarityIndex, similarity } from '../../../lib/store/memory/hash-similarity.ts'
import { TorrentIds } from '../../../lib/store/memory/torrent-ids.ts'
import { MemoryPeerStore } from '../../../lib/store/memory/memory-peer-store.ts'
import { EVENT_NONE } from '../../../lib/store/peer-store.ts'

const known = '0123456789' + 'a'.repeat(25) + 'bcdef'

/** `known` with `n` of its 15 compared positions changed (first 10, last 5 characters). */
function differing (n: number, middle = 'f'): string {
  const chars = [...known]
  const positions = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 35, 36, 37, 38, 39]
  for (let i = 0; i < n; i++) chars[positions[i * 2 % 15]] = chars[positions[i * 2 % 15]] === '0' ? '1' : '0'
  for (let i = 10; i < 35; i++) chars[i] = middle
  return chars.join('')
}

/** A similarity index over the given hex hashes, answering in hex. */
function indexOf (threshold: number, hexes: string[]): { find: (hex: string) => string | null } {
  const ids = new TorrentIds()
  const index = new SimilarityIndex(threshold, ids)
  for (const hex of hexes) index.add(ids.add(Buffer.from(hex, 'hex')))
  return {
    find: hex => {
      const id = index.find(Buffer.from(hex, 'hex'))
      return id === -1 ? null : ids.hex(id)
    }
  }
}

test('similarity compares the first 10 and last 5 hex characters position by position', () => {
  assert.equal(similarity(known, differing(0)), 1)
  assert.equal(similarity(known, differing(1)), 14 / 15)
  assert.equal(similarity(known, differing(3)), 12 / 15)
})

test('at the default 0.95 only all 15 positions equal make an alias (14/15 = 0.933 is below)', () => {
  const index = indexOf(0.95, [known])
  assert.equal(index.find(differing(0)), known)
  assert.equal(index.find(differing(1)), null)
})

test('an alias is made at the threshold and not below it', () => {
  const index = indexOf(12 / 15, [known])
  assert.equal(index.find(differing(3)), known, 'exactly at the threshold')
  assert.equal(index.find(differing(4)), null, 'one position below')
  const loose = indexOf(0.6, [known])
  assert.equal(loose.find(differing(6)), known)
  assert.equal(loose.find(differing(7)), null)
})

test('threshold 0 turns matching off', () => {
  const index = indexOf(0, [known])
  assert.equal(index.find(differing(0)), null)
  assert.equal(indexOf(0.95, [known]).find(differing(0)), known, 'the same hash at the default threshold')
})

test('the indexed lookup finds what a scan over all hashes finds', () => {
  const hashes = Array.from({ length: 2000 }, () => randomBytes(20).toString('hex'))
  const index = indexOf(0.8, hashes)
  for (let i = 0; i < 300; i++) {
    const probe = i % 3 === 0 ? hashes[i].slice(0, 10) + randomBytes(13).toString('hex').slice(0, 25) + hashes[i].slice(35).replace(/^./, c => c === '0' ? '1' : '0') : randomBytes(20).toString('hex')
    const scan = hashes.filter(h => h !== probe && similarity(h, probe) >= 0.8)
    const found = index.find(probe)
    if (scan.length === 0) assert.equal(found, null)
    else assert.ok(found !== null && scan.includes(found))
  }
})

function announceTo (store: MemoryPeerStore, hex: string, port: number): { complete: number, incomplete: number, peers: Buffer } {
  return store.announce({
    infoHash: Buffer.from(hex, 'hex'),
    peerId: randomBytes(20),
    endpoint: Buffer.from([127, 0, 0, 1, port >> 8, port & 255]),
    uploaded: 0,
    downloaded: 0,
    left: 1,
    event: EVENT_NONE,
    numwant: 50,
    key: 0,
    wantPeerIds: false,
    wantOtherFamily: true
  })
}

test('a new similar hash is served from the known torrent\'s swarm, and shown as its alias', () => {
  const store = new MemoryPeerStore({ peerTimeout: 1800, similarityThreshold: 0.95 })
  announceTo(store, known, 6001)
  const alias = differing(0, 'e')
  const r = announceTo(store, alias, 6002)
  assert.equal(r.incomplete, 2)
  assert.equal(r.peers.length, 6)
  assert.deepEqual(store.list({ limit: 10, offset: 0 }).torrents.map(t => [t.info_hash, t.aliases]), [[known, [alias]]])
  assert.deepEqual(store.scrape([Buffer.from(alias, 'hex')])[0], { complete: 0, incomplete: 2, downloaded: 0 })
  const unrelated = differing(1, 'e')
  assert.equal(announceTo(store, unrelated, 6003).incomplete, 1, 'below the threshold: a torrent of its own')
})

test('with matching off, a similar hash is a torrent of its own', () => {
  const store = new MemoryPeerStore({ peerTimeout: 1800, similarityThreshold: 0 })
  announceTo(store, known, 6001)
  assert.equal(announceTo(store, differing(0, 'e'), 6002).incomplete, 1)
})
