import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MemoryPeerStore } from '../../../lib/store/memory/memory-peer-store.ts'
import { EVENT_COMPLETED, EVENT_STARTED, EVENT_STOPPED, type AnnounceRequest, type PeerSnapshot } from '../../../lib/store/peer-store.ts'
import { announceRequest } from '../../helpers/announce-request.ts'

function setup (peerTimeout = 1800, similarityThreshold = 0.95): { store: MemoryPeerStore, clock: { now: number } } {
  const clock = { now: 1_000_000 }
  return { store: new MemoryPeerStore({ peerTimeout, similarityThreshold, now: () => clock.now }), clock }
}

const v4 = (n: number): Buffer => Buffer.from([10, 0, n >> 8, n & 255, 0x1a, 0xe1])
const v6 = (n: number): Buffer => Buffer.from([0x20, 0x01, 0x0d, 0xb8, ...Buffer.alloc(10), n >> 8, n & 255, 0x1a, 0xe1])

function req (hash: number, endpoint: Buffer, extra: Partial<AnnounceRequest> = {}): AnnounceRequest {
  return announceRequest({ infoHash: Buffer.alloc(20, hash), peerId: Buffer.alloc(20, endpoint[endpoint.length - 3]), endpoint, ...extra })
}

const hex = (n: number): string => Buffer.alloc(20, n).toString('hex')

test('the touched swarm is swept every tenth of the timeout, at least every second and at most every minute', () => {
  // Timeout 5: every second.
  {
    const { store, clock } = setup(5)
    store.announce(req(1, v4(1)))
    clock.now += 6
    assert.equal(store.announce(req(1, v4(2))).incomplete, 1)
  }
  // Timeout 10000: every minute, not every 1000 s.
  {
    const { store, clock } = setup(10_000)
    store.announce(req(1, v4(1)))
    clock.now += 9_990
    store.announce(req(1, v4(2)))
    clock.now += 59
    assert.equal(store.announce(req(1, v4(3))).incomplete, 3, '59 s after the last sweep: not yet')
    clock.now += 1
    assert.equal(store.announce(req(1, v4(3))).incomplete, 2, 'a minute after it: swept')
  }
})

test('a leecher that comes back with nothing left counts as a download once; a peer that starts as a seeder does not', () => {
  const { store } = setup()
  assert.equal(store.announce(req(1, v4(1), { left: 0, event: EVENT_STARTED })).downloaded, 0, 'a seeder from the start')
  assert.equal(store.announce(req(1, v4(1), { left: 0 })).downloaded, 0, 'a seeder announcing again')
  store.announce(req(1, v4(2), { left: 9 }))
  assert.equal(store.announce(req(1, v4(2), { left: 0 })).downloaded, 1, 'finished without saying so')
  assert.equal(store.announce(req(1, v4(2), { left: 0, event: EVENT_COMPLETED })).downloaded, 1, 'and said so later: still once')
  assert.equal(store.announce(req(1, v4(3), { left: 0, event: EVENT_COMPLETED })).downloaded, 2, 'completed from a new peer counts')
  assert.deepEqual(store.totals(), { torrents: 1, peers: 3, seeders: 3, leechers: 0, completed: 2, uploaded: 0, downloaded: 0 })
})

test('a stop from an unknown peer changes nothing and answers the counts', () => {
  const { store } = setup()
  store.announce(req(1, v4(1), { left: 0 }))
  store.announce(req(1, v4(2)))
  const r = store.announce(req(1, v4(3), { event: EVENT_STOPPED }))
  assert.deepEqual([r.complete, r.incomplete, r.peers.length, r.peers6.length, r.peerIds], [1, 1, 0, 0, null])
  assert.deepEqual(store.totals(), { torrents: 1, peers: 2, seeders: 1, leechers: 1, completed: 0, uploaded: 0, downloaded: 0 })
  const stop = store.announce(req(1, v4(1), { event: EVENT_STOPPED, left: 0 }))
  assert.deepEqual([stop.complete, stop.incomplete], [0, 1])
  assert.deepEqual(store.totals(), { torrents: 1, peers: 1, seeders: 0, leechers: 1, completed: 0, uploaded: 0, downloaded: 0 })
})

test('seeders are sent leechers only; leechers get both; the other family fills what numwant leaves', () => {
  const { store } = setup()
  for (let n = 1; n <= 3; n++) store.announce(req(1, v4(n), { left: 0 }))
  for (let n = 4; n <= 5; n++) store.announce(req(1, v4(n)))
  for (let n = 1; n <= 4; n++) store.announce(req(1, v6(n)))
  const seeder = store.announce(req(1, v4(9), { left: 0, numwant: 50 }))
  assert.deepEqual([seeder.peers.length / 6, seeder.peers6.length / 18], [2, 4])
  const leecher = store.announce(req(1, v4(10), { numwant: 50 }))
  assert.deepEqual([leecher.peers.length / 6, leecher.peers6.length / 18], [6, 4])
  const few = store.announce(req(1, v4(11), { numwant: 8 }))
  assert.deepEqual([few.peers.length / 6, few.peers6.length / 18], [7, 1])
  const none = store.announce(req(1, v4(12), { numwant: 0 }))
  assert.deepEqual([none.peers.length, none.peers6.length], [0, 0])
  const onlyOwn = store.announce(req(1, v6(9), { numwant: 3 }))
  assert.deepEqual([onlyOwn.peers.length / 6, onlyOwn.peers6.length / 18], [0, 3])
})

test('peer ids come in the order of peers then peers6, for an IPv6 announcer too', () => {
  for (const endpoint of [v6(3), v4(4)]) {
    const { store } = setup()
    store.announce(req(1, v4(1)))
    store.announce(req(1, v6(2)))
    const r = store.announce(req(1, endpoint, { wantPeerIds: true }))
    const ids = r.peerIds ?? []
    assert.equal(ids.length, 2)
    assert.deepEqual(ids[0], Buffer.alloc(20, 1), 'the IPv4 peer first')
    assert.deepEqual(ids[1], Buffer.alloc(20, 2))
    assert.deepEqual([...r.peers.subarray(0, 6)], [...v4(1)])
    assert.deepEqual([...r.peers6.subarray(0, 18)], [...v6(2)])
    assert.equal(store.announce(req(1, v4(5))).peerIds, null)
  }
})

test('list pages through torrents in id order, skipping forgotten ones; total counts them all', () => {
  const { store, clock } = setup(100)
  for (let h = 1; h <= 5; h++) store.announce(req(h, v4(h)))
  const page = (offset: number, limit: number): string[] => store.list({ offset, limit }).torrents.map(t => t.info_hash)
  assert.deepEqual(page(0, 2), [hex(1), hex(2)])
  assert.deepEqual(page(1, 2), [hex(2), hex(3)])
  assert.deepEqual(page(4, 10), [hex(5)])
  assert.deepEqual(page(5, 10), [])
  assert.deepEqual(page(0, 0), [])
  assert.equal(store.list({ offset: 5, limit: 1 }).total, 5)
  clock.now += 101
  store.announce(req(1, v4(1)))
  store.announce(req(3, v4(3)))
  store.announce(req(4, v4(4)))
  store.announce(req(5, v4(5)))
  store.sweepStep(100)
  assert.deepEqual(page(1, 2), [hex(3), hex(4)])
  assert.equal(store.list({ offset: 0, limit: 10 }).total, 4)
})

test('a summary sums its peers\' transfer counters', () => {
  const { store } = setup()
  store.announce(req(1, v4(1), { uploaded: 100, downloaded: 7 }))
  store.announce(req(1, v6(2), { uploaded: 20, downloaded: 3, left: 0 }))
  const [summary] = store.list({ offset: 0, limit: 1 }).torrents
  assert.deepEqual(summary, { info_hash: hex(1), info: {}, complete: 1, incomplete: 1, downloaded: 0, uploaded: 120, downloaded_bytes: 10, aliases: [] })
})

test('clear forgets the totals too; the store then works as new', () => {
  const { store } = setup()
  store.announce(req(1, v4(1), { uploaded: 5, left: 0, event: EVENT_COMPLETED }))
  store.setInfo(hex(2), { name: 'x' })
  store.clear()
  assert.deepEqual(store.totals(), { torrents: 0, peers: 0, seeders: 0, leechers: 0, completed: 0, uploaded: 0, downloaded: 0 })
  assert.equal(store.setInfo(hex(2), { name: 'y' }), 'added')
  store.announce(req(1, v4(1), { uploaded: 5 }))
  assert.deepEqual(store.totals(), { torrents: 2, peers: 1, seeders: 0, leechers: 1, completed: 0, uploaded: 5, downloaded: 0 })
})

test('restore keeps the larger completed count, and the totals follow it', () => {
  const { store } = setup()
  const restore = (completed: number): void => { store.restore({ infoHash: hex(1), info: null, completed, peers: [], aliases: [] }) }
  restore(5)
  assert.equal(store.totals().completed, 5)
  restore(7)
  assert.equal(store.totals().completed, 7)
  restore(3)
  assert.equal(store.totals().completed, 7)
  assert.equal(store.scrape([Buffer.alloc(20, 1)])[0].downloaded, 7)
})

test('restore counts restored peers in the totals, seeders included, and keeps the counted flag', () => {
  const { store, clock } = setup()
  const peer = (n: number, left: number, counted: boolean): PeerSnapshot => ({ peerId: Buffer.alloc(20, n), endpoint: n % 2 === 0 ? v4(n) : v6(n), uploaded: n, downloaded: 2 * n, left, seen: clock.now, key: 0, counted })
  const result = store.restore({ infoHash: hex(1), info: null, completed: 0, peers: [peer(1, 0, true), peer(2, 0, false), peer(3, 4, false), peer(4, 4, false)], aliases: [] })
  assert.deepEqual(result, { peers: 4, expired: 0 })
  assert.deepEqual(store.totals(), { torrents: 1, peers: 4, seeders: 2, leechers: 2, completed: 0, uploaded: 10, downloaded: 20 })
  // Peer 1 (counted) finishing again does not count; peer 3 finishing does.
  store.announce(req(1, v6(1), { left: 0, event: EVENT_COMPLETED }))
  store.announce(req(1, v6(3), { left: 0, event: EVENT_COMPLETED }))
  assert.equal(store.totals().completed, 1)
  const single = setup()
  assert.deepEqual(single.store.restore({ infoHash: hex(2), info: null, completed: 0, peers: [peer(5, 1, false)], aliases: [] }), { peers: 1, expired: 0 })
})

test('an alias already serving another torrent is not taken by a restore; registering an alias hash frees it alone', () => {
  const { store } = setup(1800, 0)
  store.restore({ infoHash: hex(1), info: null, completed: 0, peers: [], aliases: [hex(0xa1), hex(0xa2)] })
  store.restore({ infoHash: hex(2), info: null, completed: 0, peers: [], aliases: [hex(0xa2), hex(0xa3)] })
  const aliases = (): string[][] => store.list({ offset: 0, limit: 10 }).torrents.map(t => t.aliases)
  assert.deepEqual(aliases(), [[hex(0xa1), hex(0xa2)], [hex(0xa3)]])
  store.announce(req(0xa2, v4(1)))
  assert.equal(store.scrape([Buffer.alloc(20, 1)])[0].incomplete, 1, 'the alias is served by the first torrent')
  assert.equal(store.setInfo(hex(0xa1), { name: 'own' }), 'added')
  assert.deepEqual(aliases(), [[hex(0xa2)], [hex(0xa3)], []])
  assert.equal(store.setInfo(hex(0xa2), { name: 'own too' }), 'added')
  assert.deepEqual(aliases(), [[], [hex(0xa3)], [], []])
  assert.equal(store.list({ infoHash: hex(0xa3), offset: 0, limit: 1 }).torrents[0].info_hash, hex(2))
})

test('an idle torrent is kept for its aliases, metadata or download count, and forgotten otherwise', () => {
  const { store, clock } = setup(100, 0)
  store.announce(req(1, v4(1)))
  store.restore({ infoHash: hex(2), info: null, completed: 0, peers: [], aliases: [hex(0xa2)] })
  store.setInfo(hex(3), { name: 'n' })
  store.announce(req(4, v4(4), { event: EVENT_COMPLETED, left: 0 }))
  store.announce(req(5, v4(5)))
  clock.now += 101
  store.sweepStep(100)
  assert.deepEqual(store.list({ offset: 0, limit: 10 }).torrents.map(t => t.info_hash), [hex(2), hex(3), hex(4)])
  assert.equal(store.totals().peers, 0)
})

test('scrape gives the registered name, and nothing for a torrent without one', () => {
  const { store } = setup()
  store.setInfo(hex(1), { size: 5 })
  store.setInfo(hex(2), { name: 'two' })
  assert.deepEqual(store.scrape([Buffer.alloc(20, 1), Buffer.alloc(20, 2)]), [
    { complete: 0, incomplete: 0, downloaded: 0 },
    { complete: 0, incomplete: 0, downloaded: 0, name: 'two' }
  ])
})

test('the background sweep wraps around: one call finds the end, the next starts from the first torrent', () => {
  const { store, clock } = setup(100)
  for (let h = 1; h <= 3; h++) store.announce(req(h, v4(h)))
  store.sweepStep(3)
  clock.now += 101
  store.sweepStep(1)
  assert.equal(store.totals().peers, 3, 'at the end: this call only starts over')
  store.sweepStep(1)
  assert.equal(store.totals().peers, 2, 'the first torrent swept')
  assert.deepEqual(store.list({ offset: 0, limit: 10 }).torrents.map(t => t.info_hash), [hex(2), hex(3)])
})

test('expiry takes the expired peers out of every total', () => {
  const { store, clock } = setup(100)
  store.announce(req(1, v4(1), { left: 0, uploaded: 10, downloaded: 1 }))
  store.announce(req(1, v6(2), { uploaded: 20, downloaded: 2 }))
  clock.now += 50
  store.announce(req(1, v4(3), { left: 0, uploaded: 40, downloaded: 4 }))
  clock.now += 51
  store.sweepStep(10)
  assert.deepEqual(store.totals(), { torrents: 1, peers: 1, seeders: 1, leechers: 0, completed: 0, uploaded: 40, downloaded: 4 })
})

test('a forgotten torrent is left out of snapshots', () => {
  const { store, clock } = setup(100)
  store.announce(req(1, v4(1)))
  store.announce(req(2, v4(2)))
  clock.now += 101
  store.announce(req(2, v4(2)))
  store.sweepStep(10)
  assert.deepEqual([...store.snapshot()].map(t => t.infoHash), [hex(2)])
})

test('a scrape never creates anything: not a torrent, not an alias of a similar one', () => {
  const { store } = setup()
  store.announce(req(1, v4(1)))
  store.announce(req(2, v4(2)))
  store.announce(req(2, v4(3)))
  const similar = Buffer.alloc(20, 1)
  similar[15] = 0xee
  assert.deepEqual(store.scrape([similar]), [{ complete: 0, incomplete: 1, downloaded: 0 }], 'answered from the similar torrent')
  assert.deepEqual(store.list({ offset: 0, limit: 10 }).torrents.map(t => t.aliases), [[], []])
  assert.deepEqual(store.scrape([Buffer.alloc(20, 9)]), [{ complete: 0, incomplete: 0, downloaded: 0 }])
  assert.equal(store.totals().torrents, 2)
})

test('similarity is off for thresholds outside (0, 1]; 1 asks for all 15 positions', () => {
  for (const threshold of [0, -0.5, 1.5]) {
    const { store } = setup(1800, threshold)
    store.announce(req(1, v4(1)))
    const same = Buffer.alloc(20, 1)
    same[15] = 0xee
    assert.equal(store.announce(req(0, v4(2), { infoHash: same })).incomplete, 1, `threshold ${threshold}`)
  }
  const { store } = setup(1800, 1)
  store.announce(req(1, v4(1)))
  const same = Buffer.alloc(20, 1)
  same[15] = 0xee
  assert.equal(store.announce(req(0, v4(2), { infoHash: same })).incomplete, 2)
})

test('every new peer\'s first `completed` counts, whatever bytes the swarm\'s other peers hold', () => {
  const { store } = setup(1800, 0)
  // Endpoints whose every byte is odd: a record read from the wrong place would look counted.
  const odd = (n: number): Buffer => Buffer.from([11, 13, 2 * (n >> 7) + 1, 2 * (n & 127) + 1, 0x1b, 0xe1])
  for (let n = 0; n < 200; n++) store.announce(req(1, odd(n), { event: EVENT_COMPLETED, left: 0 }))
  assert.deepEqual(store.scrape([Buffer.alloc(20, 1)]), [{ complete: 200, incomplete: 0, downloaded: 200 }])
})

test('in a swarm large enough for hash indexes, a re-announce without a key finds its peer by endpoint', () => {
  const { store } = setup()
  for (let n = 1; n <= 100; n++) store.announce(req(1, v4(n)))
  for (let n = 1; n <= 100; n += 7) assert.equal(store.announce(req(1, v4(n), { numwant: 0 })).incomplete, 100)
  assert.equal(store.totals().peers, 100)
})

test('a seeder asking for all but one of the leechers is sent each of them in turn, the last one too', () => {
  const { store } = setup()
  for (let n = 1; n <= 5; n++) store.announce(req(1, v4(n)))
  store.announce(req(1, v4(50), { left: 0 }))
  const drawn = new Set<string>()
  for (let i = 0; i < 200 && drawn.size < 5; i++) {
    const { peers } = store.announce(req(1, v4(50), { left: 0, numwant: 4 }))
    assert.equal(peers.length, 4 * 6)
    for (let at = 0; at < peers.length; at += 6) drawn.add(peers.subarray(at, at + 6).toString('hex'))
  }
  assert.equal(drawn.size, 5, 'every leecher is drawn')
})
