import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MemoryPeerStore } from '../../../lib/store/memory/memory-peer-store.ts'
import { EVENT_COMPLETED, type AnnounceRequest } from '../../../lib/store/peer-store.ts'
import { announceRequest } from '../../helpers/announce-request.ts'

function setup (peerTimeout = 100): { store: MemoryPeerStore, clock: { now: number } } {
  const clock = { now: 1_000_000 }
  return { store: new MemoryPeerStore({ peerTimeout, similarityThreshold: 0.95, now: () => clock.now }), clock }
}

function req (hash: number, port: number, extra: Partial<AnnounceRequest> = {}): AnnounceRequest {
  return announceRequest({ infoHash: Buffer.alloc(20, hash), peerId: Buffer.alloc(20, port & 255), endpoint: Buffer.from([10, 0, 0, 1, port >> 8, port & 255]), ...extra })
}

test('an announce sweeps its swarm at most every tenth of the timeout, and then drops exactly the silent peers', () => {
  const { store, clock } = setup(100)
  store.announce(req(1, 1))
  clock.now += 95
  store.announce(req(1, 2))
  // 101 s after peer 1: past the timeout, but the swarm was swept 6 s ago (less than 10).
  clock.now += 6
  assert.equal(store.announce(req(1, 3)).incomplete, 3)
  // 10 s after that sweep: peer 1 (111 s) goes, peer 2 (16 s) stays.
  clock.now += 4
  const r = store.announce(req(1, 4))
  assert.equal(r.incomplete, 3)
  assert.deepEqual([...r.peers].length, 12)
  assert.equal(store.totals().peers, 3)
})

test('a peer seen exactly at the timeout stays; one second more and it goes', () => {
  const { store, clock } = setup(100)
  store.announce(req(1, 1))
  clock.now += 100
  assert.equal(store.announce(req(1, 2)).incomplete, 2)
  clock.now += 20
  store.announce(req(1, 2))
  assert.equal(store.totals().peers, 1)
})

test('the background sweep walks a budget of torrents at a time and forgets the ones with nothing left', () => {
  const { store, clock } = setup(100)
  for (let h = 1; h <= 6; h++) store.announce(req(h, h))
  store.announce(req(2, 50, { event: EVENT_COMPLETED, left: 0 }))
  store.setInfo(Buffer.alloc(20, 3).toString('hex'), { name: 'kept for its metadata' })
  clock.now += 101
  store.sweepStep(2)
  assert.equal(store.totals().peers, 4, 'two torrents swept: their three peers gone')
  assert.equal(store.totals().torrents, 5, 'torrent 1 forgotten, torrent 2 kept for its completed count')
  store.sweepStep(100)
  assert.equal(store.totals().peers, 0)
  assert.deepEqual(store.list({ limit: 10, offset: 0 }).torrents.map(t => t.info_hash), [2, 3].map(h => Buffer.alloc(20, h).toString('hex')))
  assert.equal(store.totals().completed, 1)
  // The sweep starts over from the first torrent once it reached the end.
  for (let h = 7; h <= 9; h++) store.announce(req(h, h))
  clock.now += 101
  store.sweepStep(1)
  store.sweepStep(100)
  store.sweepStep(100)
  assert.equal(store.totals().torrents, 2)
})

test('list by info hash answers the torrent, the torrent an alias stands for, or nothing; scrape counts leechers', () => {
  const { store } = setup()
  const known = Buffer.alloc(20, 1)
  store.announce(req(1, 1, { left: 0 }))
  store.announce(req(1, 2))
  store.announce(req(1, 3))
  const alias = Buffer.from(known)
  alias[10] = 9 // differs only where similarity does not look
  store.announce(req(0, 4, { infoHash: alias }))
  assert.equal(store.list({ infoHash: known.toString('hex'), limit: 1, offset: 0 }).total, 1)
  const viaAlias = store.list({ infoHash: alias.toString('hex'), limit: 1, offset: 0 })
  assert.equal(viaAlias.total, 1)
  assert.equal(viaAlias.torrents[0].info_hash, known.toString('hex'))
  assert.deepEqual(viaAlias.torrents[0].aliases, [alias.toString('hex')])
  assert.deepEqual(store.list({ infoHash: 'ff'.repeat(20), limit: 1, offset: 0 }), { total: 0, torrents: [] })
  assert.deepEqual(store.scrape([known, Buffer.alloc(20, 7)]), [{ complete: 1, incomplete: 3, downloaded: 0 }, { complete: 0, incomplete: 0, downloaded: 0 }])
  // A scrape of an unknown hash creates nothing.
  assert.equal(store.totals().torrents, 1)
  // Registering the alias's hash makes it a torrent of its own.
  assert.equal(store.setInfo(alias.toString('hex'), { name: 'own' }), 'added')
  assert.deepEqual(store.list({ infoHash: known.toString('hex'), limit: 1, offset: 0 }).torrents[0].aliases, [])
  assert.equal(store.totals().torrents, 2)
})
