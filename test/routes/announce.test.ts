import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import Fastify from 'fastify'
import { MemoryPeerStore } from '../../lib/store/memory/memory-peer-store.ts'
import type { PeerStore } from '../../lib/store/peer-store.ts'
import { buildApp } from '../../app.ts'
import clientAddress from '../../plugins/client-address.ts'
import config, { loadConfig } from '../../plugins/config.ts'
import requestCounters from '../../plugins/request-counters.ts'
import trackerRoutes from '../../routes/tracker/index.ts'
import {
  announce, announcePath, collectedLogs, compactPeers, decode, encodeBytes, get, id, startTracker, text
} from '../helpers/tracker.ts'

test('compact reply lists other peers as 6-byte entries, never the announcer itself', async (t) => {
  const tracker = await startTracker(t)
  const infoHash = id('hash')
  const first = await announce(tracker, { infoHash, peerId: id('a'), port: 6001, event: 'started' })
  assert.equal(Buffer.from(first.peers as Uint8Array).length, 0)
  assert.equal(first.incomplete, 1)
  assert.equal(first.interval, 900)
  assert.equal(first['min interval'], 300)

  const second = await announce(tracker, { infoHash, peerId: id('b'), port: 6002, event: 'started' })
  assert.deepEqual(compactPeers(second.peers), ['127.0.0.1:6001'])
  assert.equal(second.incomplete, 2)

  // A re-announce of the first peer sees the second and not itself.
  const again = await announce(tracker, { infoHash, peerId: id('a'), port: 6001 })
  assert.deepEqual(compactPeers(again.peers), ['127.0.0.1:6002'])
  assert.equal(again.incomplete, 2, 're-announcing does not add a peer')
})

test('compact is the default when the client does not say', async (t) => {
  const tracker = await startTracker(t)
  const infoHash = id('hash')
  await announce(tracker, { infoHash, peerId: id('a'), port: 6001 })
  const res = await get(tracker.url, `/announce?info_hash=${encodeBytes(infoHash)}&peer_id=${encodeBytes(id('b'))}&port=6002&left=5`)
  assert.equal(res.headers['content-type'], 'text/plain')
  assert.deepEqual(compactPeers(decode(res.body).peers), ['127.0.0.1:6001'])
})

test('compact=0 answers the dictionary model with peer ids, no_peer_id=1 leaves them out', async (t) => {
  const tracker = await startTracker(t)
  const infoHash = id('hash')
  const peerA = id('a')
  await announce(tracker, { infoHash, peerId: peerA, port: 6001 })
  const dict = await announce(tracker, { infoHash, peerId: id('b'), port: 6002, compact: 0 })
  const peers = dict.peers as Array<Record<string, unknown>>
  assert.equal(peers.length, 1)
  assert.equal(text(peers[0].ip), '127.0.0.1')
  assert.equal(peers[0].port, 6001)
  assert.deepEqual(Buffer.from(peers[0]['peer id'] as Uint8Array), peerA)

  const bare = await announce(tracker, { infoHash, peerId: id('c'), port: 6003, compact: 0, noPeerId: 1 })
  for (const p of bare.peers as Array<Record<string, unknown>>) assert.equal(p['peer id'], undefined)
})

test('IPv6 peers come in peers6 as 18-byte entries, IPv4 peers in peers', async (t) => {
  const tracker = await startTracker(t, {}, '::')
  const infoHash = id('hash')
  const v6url = `http://[::1]:${tracker.port}`
  const v4url = `http://127.0.0.1:${tracker.port}`
  await get(v6url, announcePath({ infoHash, peerId: id('six'), port: 7006 }))
  const fromV4 = decode((await get(v4url, announcePath({ infoHash, peerId: id('four'), port: 7004 }))).body)
  const six = compactPeers(fromV4.peers6, 18)
  assert.ok(six.includes(`${'0'.repeat(30)}01:7006`), `peers6 has ::1:7006, got ${six.join(', ')}`)
  const fromV6 = decode((await get(v6url, announcePath({ infoHash, peerId: id('six2'), port: 7007 }))).body)
  assert.ok(compactPeers(fromV6.peers).includes('127.0.0.1:7004'))
  assert.ok(compactPeers(fromV6.peers6, 18).includes(`${'0'.repeat(30)}01:7006`))
})

test('numwant is honoured and capped by TRACKER_NUMWANT_MAX; the default applies when absent', async (t) => {
  const tracker = await startTracker(t, { TRACKER_NUMWANT_DEFAULT: '5', TRACKER_NUMWANT_MAX: '8' })
  const infoHash = id('hash')
  for (let i = 0; i < 12; i++) await announce(tracker, { infoHash, peerId: id('p'), port: 8000 + i })
  const asked3 = await announce(tracker, { infoHash, peerId: id('q'), port: 9000, numwant: 3 })
  assert.equal(compactPeers(asked3.peers).length, 3)
  const defaulted = await announce(tracker, { infoHash, peerId: id('q'), port: 9001 })
  assert.equal(compactPeers(defaulted.peers).length, 5)
  const capped = await announce(tracker, { infoHash, peerId: id('q'), port: 9002, numwant: 1000 })
  const list = compactPeers(capped.peers)
  assert.equal(list.length, 8)
  assert.equal(new Set(list).size, 8, 'no peer twice')
  assert.ok(!list.includes('127.0.0.1:9002'))
  const none = await announce(tracker, { infoHash, peerId: id('q'), port: 9003, numwant: 0 })
  assert.equal(compactPeers(none.peers).length, 0)
})

test('seeders are given leechers only; leechers get seeders and leechers', async (t) => {
  const tracker = await startTracker(t)
  const infoHash = id('hash')
  await announce(tracker, { infoHash, peerId: id('s'), port: 6101, left: 0 })
  await announce(tracker, { infoHash, peerId: id('s'), port: 6102, left: 0 })
  await announce(tracker, { infoHash, peerId: id('l'), port: 6201, left: 10 })
  const seeder = await announce(tracker, { infoHash, peerId: id('s'), port: 6103, left: 0 })
  assert.deepEqual(compactPeers(seeder.peers), ['127.0.0.1:6201'])
  assert.equal(seeder.complete, 3)
  assert.equal(seeder.incomplete, 1)
  const leecher = await announce(tracker, { infoHash, peerId: id('l'), port: 6202, left: 10 })
  assert.deepEqual(compactPeers(leecher.peers).sort(), ['127.0.0.1:6101', '127.0.0.1:6102', '127.0.0.1:6103', '127.0.0.1:6201'])
})

test('stopped removes the peer', async (t) => {
  const tracker = await startTracker(t)
  const infoHash = id('hash')
  const peerId = id('a')
  await announce(tracker, { infoHash, peerId, port: 6001 })
  const stopped = await announce(tracker, { infoHash, peerId, port: 6001, event: 'stopped' })
  assert.equal(stopped.incomplete, 0)
  const other = await announce(tracker, { infoHash, peerId: id('b'), port: 6002 })
  assert.deepEqual(compactPeers(other.peers), [])
})

test('completed counts a download once per peer', async (t) => {
  const tracker = await startTracker(t)
  const infoHash = id('hash')
  const peerId = id('a')
  await announce(tracker, { infoHash, peerId, port: 6001, event: 'started' })
  const done = await announce(tracker, { infoHash, peerId, port: 6001, left: 0, event: 'completed' })
  assert.equal(done.downloaded, 1)
  assert.equal(done.complete, 1)
  assert.equal(done.incomplete, 0)
  const twice = await announce(tracker, { infoHash, peerId, port: 6001, left: 0, event: 'completed' })
  assert.equal(twice.downloaded, 1, 'a repeated completed event is not counted again')
  const other = await announce(tracker, { infoHash, peerId: id('b'), port: 6002, left: 0, event: 'completed' })
  assert.equal(other.downloaded, 2)
})

test('a peer that rotates its peer_id replaces its old entry (same key, or same address and port)', async (t) => {
  const tracker = await startTracker(t)
  const infoHash = id('hash')
  await announce(tracker, { infoHash, peerId: id('old'), port: 6001 })
  const rotated = await announce(tracker, { infoHash, peerId: id('new'), port: 6001 })
  assert.equal(rotated.incomplete, 1, 'same address and port: one peer')

  await announce(tracker, { infoHash, peerId: id('k1'), port: 6100, key: 'c0ffee' })
  const moved = await announce(tracker, { infoHash, peerId: id('k2'), port: 6101, key: 'c0ffee' })
  assert.equal(moved.incomplete, 2, 'same key on a new port: still one peer for that client')
  const viewer = await announce(tracker, { infoHash, peerId: id('v'), port: 6200 })
  assert.deepEqual(compactPeers(viewer.peers).sort(), ['127.0.0.1:6001', '127.0.0.1:6101'])
})

test('peers silent for longer than the timeout disappear', async (t) => {
  let now = 1_800_000_000
  const tracker = await startTracker(t, {}, '127.0.0.1', { clock: () => now })
  const infoHash = id('hash')
  await announce(tracker, { infoHash, peerId: id('gone'), port: 6001 })
  await announce(tracker, { infoHash, peerId: id('stays'), port: 6003 })
  now += 1000
  await announce(tracker, { infoHash, peerId: id('stays'), port: 6003 })
  now += 900
  // 1900 s since the first peer's last announce, 900 since the second's: one is past 1800 s.
  const later = await announce(tracker, { infoHash, peerId: id('new'), port: 6002 })
  assert.deepEqual(compactPeers(later.peers), ['127.0.0.1:6003'])
  assert.equal(later.incomplete, 2)
})

test('a binary info_hash with 0x00, space, %, + and 0x80-0xFF bytes is kept byte-exact', async (t) => {
  const tracker = await startTracker(t)
  const infoHash = Buffer.from([0x00, 0x20, 0x25, 0x2b, 0x80, 0x81, 0xa0, 0xc3, 0xff, 0xfe, 0x7f, 0x2f, 0x3d, 0x26, 0x3f, 0x23, 0x00, 0x2b, 0x20, 0xff])
  // Unreserved-looking bytes sent literally where a client may: `+` stays 0x2B, not a space.
  const literal = encodeBytes(infoHash.subarray(0, 3)) + '+' + encodeBytes(infoHash.subarray(4))
  const path = `/announce?info_hash=${literal}&peer_id=${encodeBytes(id('a'))}&port=6001&left=1`
  const res = await get(tracker.url, path)
  assert.equal(decode(res.body).incomplete, 1, text(decode(res.body)['failure reason'] ?? ''))
  const stats = await tracker.app.inject({ url: '/stats' })
  assert.equal(stats.json().torrents[0].info_hash, infoHash.toString('hex'))
  const second = await announce(tracker, { infoHash, peerId: id('b'), port: 6002 })
  assert.deepEqual(compactPeers(second.peers), ['127.0.0.1:6001'], 'fully percent-encoded form reaches the same swarm')
})

test('every malformed announce gets HTTP 200 and a bencoded failure reason saying what is wrong', async (t) => {
  const tracker = await startTracker(t)
  const h = encodeBytes(id('hash'))
  const p = encodeBytes(id('peer'))
  const cases: Array<[string, RegExp]> = [
    [`peer_id=${p}&port=1&left=0`, /missing info_hash/],
    [`info_hash=${h.slice(0, -3)}&peer_id=${p}&port=1&left=0`, /info_hash must be 20 bytes, got 19/],
    [`info_hash=${h}%41&peer_id=${p}&port=1&left=0`, /info_hash must be 20 bytes, got 21/],
    [`info_hash=${h}&port=1&left=0`, /missing peer_id/],
    [`info_hash=${h}&peer_id=abc&port=1&left=0`, /peer_id must be 20 bytes/],
    [`info_hash=%zz${h.slice(3)}&peer_id=${p}&port=1&left=0`, /invalid percent-encoding in info_hash/],
    [`info_hash=${h}&peer_id=${p}&left=0`, /missing port/],
    [`info_hash=${h}&peer_id=${p}&port=abc&left=0`, /port is not a number/],
    [`info_hash=${h}&peer_id=${p}&port=0&left=0`, /port must be between 1 and 65535/],
    [`info_hash=${h}&peer_id=${p}&port=65536&left=0`, /port is too large/],
    [`info_hash=${h}&peer_id=${p}&port=-5&left=0`, /port must not be negative/],
    [`info_hash=${h}&peer_id=${p}&port=1`, /missing left/],
    [`info_hash=${h}&peer_id=${p}&port=1&left=-1`, /left must not be negative/],
    [`info_hash=${h}&peer_id=${p}&port=1&left=1e9`, /left is not a number/],
    [`info_hash=${h}&peer_id=${p}&port=1&left=99999999999999999999`, /left is too large/],
    [`info_hash=${h}&peer_id=${p}&port=1&left=0&uploaded=-1`, /uploaded must not be negative/],
    [`info_hash=${h}&peer_id=${p}&port=1&left=0&downloaded=x`, /downloaded is not a number/],
    [`info_hash=${h}&peer_id=${p}&port=1&left=0&numwant=lots`, /numwant is not a number/],
    [`info_hash=${h}&peer_id=${p}&port=1&left=0&event=finished`, /event must be started, completed, stopped or empty/],
    ['', /missing info_hash/]
  ]
  for (const [query, reason] of cases) {
    const res = await get(tracker.url, `/announce?${query}`)
    assert.equal(res.status, 200, query)
    const body = decode(res.body)
    assert.match(text(body['failure reason']), reason, query)
  }
  // Nothing malformed reached the store.
  assert.equal((await tracker.app.inject({ url: '/stats' })).json().totals.peers, 0)
})

test('GET / is an announce too', async (t) => {
  const tracker = await startTracker(t)
  const res = await get(tracker.url, announcePath({ infoHash: id('h'), peerId: id('p'), port: 6001 }).replace('/announce', '/'))
  assert.equal(decode(res.body).incomplete, 1)
})

test('a known leecher that comes back with nothing left counts as a download, even when it stops at once', async (t) => {
  const tracker = await startTracker(t)
  const infoHash = id('hash')
  await announce(tracker, { infoHash, peerId: id('a'), port: 6001, left: 50, event: 'started' })
  const stopped = await announce(tracker, { infoHash, peerId: id('a'), port: 6001, left: 0, event: 'stopped' })
  assert.equal(stopped.downloaded, 1)
  await announce(tracker, { infoHash, peerId: id('b'), port: 6002, left: 50 })
  await announce(tracker, { infoHash, peerId: id('b'), port: 6002, left: 0 })
  const after = await announce(tracker, { infoHash, peerId: id('b'), port: 6002, left: 0, event: 'completed' })
  assert.equal(after.downloaded, 2, 'the later completed event does not count it again')
  const seed = await announce(tracker, { infoHash, peerId: id('c'), port: 6003, left: 0, event: 'started' })
  assert.equal(seed.downloaded, 2, 'a peer that starts as a seeder downloaded nothing here')
})

test('an internal failure answers a bencoded failure and logs one error line naming the request', async (t) => {
  const { lines, logger } = collectedLogs('warn')
  const dir = mkdtempSync(join(tmpdir(), 'tracker-log-'))
  const app = await buildApp({ env: { TRACKER_DATA_FILE: join(dir, 'state.json'), TRACKER_SAVE_INTERVAL: '0' }, logger })
  t.after(async () => { await app.close(); rmSync(dir, { recursive: true, force: true }) })
  app.peers.announce = () => { throw new Error('disk on fire') }
  const path = `/announce?info_hash=${encodeBytes(id('hash'))}&peer_id=${encodeBytes(id('a'))}&port=6001&left=0`
  const res = await app.inject({ url: path })
  assert.equal(res.statusCode, 200)
  assert.equal(text(decode(res.rawPayload)['failure reason']), 'internal tracker error')
  const errors = lines.filter(l => l.level === 50)
  assert.equal(errors.length, 1)
  assert.equal(errors[0].msg, 'tracker request failed')
  assert.equal(errors[0].url, path)
  assert.equal(typeof errors[0].reqId, 'string')
  assert.match(JSON.stringify(errors[0].err), /disk on fire/)
})

test('a store that answers through promises is served as well (the route awaits it)', async (t) => {
  const memory = new MemoryPeerStore({ peerTimeout: 1800, similarityThreshold: 0 })
  const store: PeerStore = {
    announce: async (req) => await Promise.resolve(memory.announce(req)),
    scrape: async (hashes) => await Promise.resolve(memory.scrape(hashes)),
    setInfo: async (hex, info) => memory.setInfo(hex, info),
    totals: async () => memory.totals(),
    list: async (query) => memory.list(query),
    snapshot: () => memory.snapshot(),
    restore: async (torrent) => memory.restore(torrent),
    remove: async (hex) => memory.remove(hex),
    complete: async (hash) => memory.complete(hash),
    clear: async () => memory.clear()
  }
  const app = Fastify()
  await app.register(config, { config: loadConfig({}, false) })
  await app.register(requestCounters)
  await app.register(clientAddress, { trusted: null })
  app.decorate('peers', store)
  await app.register(trackerRoutes)
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.after(async () => await app.close())
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const infoHash = id('promised')
  await get(url, announcePath({ infoHash, peerId: id('a'), port: 6001, event: 'started' }))
  const second = decode((await get(url, announcePath({ infoHash, peerId: id('b'), port: 6002, event: 'started' }))).body)
  assert.deepEqual(compactPeers(second.peers), ['127.0.0.1:6001'])
  assert.equal(second.incomplete, 2)
})
