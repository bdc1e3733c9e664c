import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MemoryPeerStore } from '../../../lib/store/memory/memory-peer-store.ts'
import type { PeerSnapshot, TorrentSnapshot } from '../../../lib/store/peer-store.ts'

/** A store on a clock the test moves (state files are restored with it, with peer times in them). */
function setup (options: { peerTimeout?: number, similarityThreshold?: number } = {}): { store: MemoryPeerStore, clock: { now: number } } {
  const clock = { now: 1_000_000 }
  const store = new MemoryPeerStore({ peerTimeout: options.peerTimeout ?? 100, similarityThreshold: options.similarityThreshold ?? 0.95, now: () => clock.now })
  return { store, clock }
}

const hex = (n: number): string => Buffer.alloc(20, n).toString('hex')

function peer (n: number, seen: number): PeerSnapshot {
  return { peerId: Buffer.alloc(20, n), endpoint: Buffer.from([10, 0, 0, n, 0x1a, 0xe1]), uploaded: 0, downloaded: 0, left: 1, seen, key: 0, counted: false }
}

function torrent (n: number, extra: Partial<TorrentSnapshot> = {}): TorrentSnapshot {
  return { infoHash: hex(n), info: null, completed: 0, peers: [], aliases: [], ...extra }
}

const seenTimes = (store: MemoryPeerStore): number[] => [...store.snapshot()].flatMap(t => [...t.peers].map(p => p.seen)).sort((a, b) => a - b)

test('a restored peer silent for exactly the timeout is kept, as an announced one is; a second longer and it is left out', () => {
  const { store, clock } = setup({ peerTimeout: 100 })
  const result = store.restore(torrent(1, { peers: [peer(1, clock.now - 100), peer(2, clock.now - 101)] }))
  assert.deepEqual(result, { peers: 1, expired: 1 })
  assert.deepEqual(seenTimes(store), [clock.now - 100])
})

test('a restored peer keeps its last-seen time, so it expires on time; one seen "later than now" counts as seen now', () => {
  const { store, clock } = setup({ peerTimeout: 100 })
  const now = clock.now
  store.restore(torrent(1, { peers: [peer(1, now - 40), peer(2, now + 5000)] }))
  assert.deepEqual(seenTimes(store), [now - 40, now])
  clock.now += 61
  store.sweepStep(10)
  assert.deepEqual(seenTimes(store), [now], 'the peer last seen 101 s ago went; the one from the future is 61 s old')
  clock.now += 40
  store.sweepStep(10)
  assert.deepEqual(seenTimes(store), [], 'and it goes a timeout after the restore, not after its own time')
})

test('an idle torrent restored with nothing worth keeping is forgotten by the sweep', () => {
  const { store, clock } = setup({ peerTimeout: 100 })
  store.restore(torrent(1, { peers: [peer(1, clock.now)] }))
  store.restore(torrent(2, { info: { name: 'kept' } }))
  clock.now += 101
  store.sweepStep(10)
  assert.deepEqual(store.list({ offset: 0, limit: 10 }).torrents.map(t => t.info_hash), [hex(2)])
})

test('a torrent whose only alias became a torrent of its own is forgotten once idle', () => {
  const { store, clock } = setup({ peerTimeout: 100, similarityThreshold: 0 })
  store.restore(torrent(1, { peers: [peer(1, clock.now)], aliases: [hex(0xa1)] }))
  store.restore(torrent(2, { peers: [peer(2, clock.now)], aliases: [hex(0xa2), hex(0xa3)] }))
  store.setInfo(hex(0xa1), { name: 'own' })
  store.setInfo(hex(0xa2), { name: 'own too' })
  clock.now += 101
  store.sweepStep(10)
  assert.deepEqual(store.list({ offset: 0, limit: 10 }).torrents.map(t => [t.info_hash, t.aliases]), [[hex(2), [hex(0xa3)]], [hex(0xa1), []], [hex(0xa2), []]])
})
