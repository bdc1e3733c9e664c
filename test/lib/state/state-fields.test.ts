import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MemoryPeerStore } from '../../../lib/store/memory/memory-peer-store.ts'
import { loadState } from '../../../lib/state/state-reader.ts'

const NOW = 1_800_000_000
const HASH = 'ab'.repeat(20)

function newStore (): MemoryPeerStore {
  return new MemoryPeerStore({ peerTimeout: 1800, similarityThreshold: 0.95, now: () => NOW })
}

const good = { peer_id: 'aa'.repeat(20), ip: '10.0.0.1', port: 6881, uploaded: 1, downloaded: 2, left: 3, last_seen: NOW }

/** Loads one torrent holding these peers; answers the report and the peers as loaded, by port. */
async function loadPeers (peers: unknown[]): Promise<{ report: Awaited<ReturnType<typeof loadState>>, byPort: Map<number, { seen: number, key: number, counted: boolean, peerId: string, left: number, uploaded: number }> }> {
  const store = newStore()
  const report = await loadState(JSON.stringify({ version: 1, torrents: { [HASH]: { info: {}, peers_info: peers, stats: { completed: 0 } } } }), store)
  const byPort = new Map()
  for (const t of store.snapshot()) {
    for (const p of t.peers) byPort.set(p.endpoint.readUInt16BE(p.endpoint.length - 2), { seen: p.seen, key: p.key, counted: p.counted, peerId: p.peerId.toString('latin1'), left: p.left, uploaded: p.uploaded })
  }
  return { report, byPort }
}

test('ports 1 and 65535 are ports; 0, 65536, 1.5 and text are not', async () => {
  const { report, byPort } = await loadPeers([
    { ...good, port: 1 }, { ...good, port: 65535, ip: '10.0.0.2' }, { ...good, port: 0 }, { ...good, port: 65536 }, { ...good, port: 1.5 }, { ...good, port: '80' }
  ])
  assert.deepEqual([...byPort.keys()].sort((a, b) => a - b), [1, 65535])
  assert.deepEqual(report.reasons, { 'peer port is not 1-65535': 4 })
})

test('last_seen: 0 is a time (long past: expired); fractions round down; the last 32-bit second is a time', async () => {
  const { report, byPort } = await loadPeers([
    { ...good, port: 1, last_seen: 0 },
    { ...good, port: 2, last_seen: NOW - 10.9 },
    { ...good, port: 3, last_seen: 2 ** 32 - 1 },
    { ...good, port: 4, last_seen: 2 ** 32 },
    { ...good, port: 5, last_seen: -0.5 },
    { ...good, port: 6, last_seen: NOW - 1800 },
    { ...good, port: 7, last_seen: NOW - 1801 }
  ])
  assert.deepEqual({ peers: report.peers, expired: report.expired, reasons: report.reasons }, { peers: 3, expired: 2, reasons: { 'peer last_seen is not a time': 2 } })
  assert.equal(byPort.get(2)?.seen, NOW - 11)
  assert.equal(byPort.get(3)?.seen, NOW, 'a time after now is taken as now')
  assert.equal(byPort.get(6)?.seen, NOW - 1800, 'at the timeout exactly: kept')
})

test('key: an integer, wrapped to 32 bits; counted: only true', async () => {
  const { byPort } = await loadPeers([
    { ...good, port: 1, key: 2 ** 32 + 5, counted: 'true' },
    { ...good, port: 2, key: -7, counted: true },
    { ...good, port: 3, key: '9', counted: 1 },
    { ...good, port: 4 }
  ])
  assert.deepEqual([1, 2, 3, 4].map(p => [byPort.get(p)?.key, byPort.get(p)?.counted]), [[5, false], [-7, true], [0, false], [0, false]])
})

test('peer ids: 40 hex digits, or 20 raw characters of an older file; nothing else', async () => {
  const { report, byPort } = await loadPeers([
    { ...good, port: 1, peer_id: '41'.repeat(20) },
    { ...good, port: 2, peer_id: 'B'.repeat(20) },
    { ...good, port: 3, peer_id: '41'.repeat(19) + 'zz' },
    { ...good, port: 4, peer_id: '41'.repeat(19) },
    { ...good, port: 5, peer_id: 'C'.repeat(21) },
    { ...good, port: 6, peer_id: 41 },
    { ...good, port: 7, peer_id: 'é'.repeat(20) }
  ])
  assert.equal(byPort.get(1)?.peerId, 'A'.repeat(20))
  assert.equal(byPort.get(2)?.peerId, 'B'.repeat(20))
  assert.equal(byPort.get(7)?.peerId, 'é'.repeat(20), 'one byte per character')
  assert.deepEqual(report.reasons, { 'peer_id is not 20 bytes in hex': 4 })
})

test('counters: whole numbers from 0 up to 2^53 - 1; anything else is reset to 0 and counted', async () => {
  const { report, byPort } = await loadPeers([
    { ...good, port: 1, left: 0, uploaded: Number.MAX_SAFE_INTEGER },
    { ...good, port: 2, left: 2 ** 53, uploaded: 0.5 },
    { ...good, port: 3, left: null, uploaded: undefined }
  ])
  assert.equal(byPort.get(1)?.left, 0)
  assert.ok((byPort.get(1)?.uploaded ?? 0) > 2 ** 48, 'huge, kept to the store\'s precision')
  assert.deepEqual([byPort.get(2)?.left, byPort.get(2)?.uploaded, byPort.get(3)?.left, byPort.get(3)?.uploaded], [0, 0, 0, 0])
  assert.deepEqual(report.reasons, { 'peer left is not a count (reset to 0)': 2, 'peer uploaded is not a count (reset to 0)': 1 })
})

test('an empty info object is no metadata: the torrent can be registered afresh, and is swept once idle', async () => {
  const store = newStore()
  const file = JSON.stringify({ version: 1, torrents: { [HASH]: { info: {}, peers_info: [], stats: { completed: 0 } }, ['cd'.repeat(20)]: { info: { name: 'kept' }, peers_info: [] } } })
  const report = await loadState(file, store)
  assert.deepEqual(report, { torrents: 2, peers: 0, expired: 0, skipped: 0, reasons: {} })
  assert.deepEqual([...store.snapshot()].map(t => [t.infoHash, t.info]), [[HASH, null], ['cd'.repeat(20), { name: 'kept' }]])
  store.sweepStep(10)
  assert.deepEqual(store.list({ limit: 10, offset: 0 }).torrents.map(t => t.info_hash), ['cd'.repeat(20)], 'nothing kept the empty one')
  assert.equal(store.setInfo(HASH, { name: 'new' }), 'added')
})

test('stats: a completed count is kept as it is; missing stats are none', async () => {
  const store = newStore()
  const file = JSON.stringify({ torrents: { [HASH]: { peers_info: [good], stats: { completed: 0 } }, ['cd'.repeat(20)]: { stats: { completed: 9 } }, ['ce'.repeat(20)]: {} } })
  const report = await loadState(file, store)
  assert.deepEqual(report, { torrents: 3, peers: 1, expired: 0, skipped: 0, reasons: {} })
  assert.deepEqual(store.scrape([HASH, 'cd'.repeat(20), 'ce'.repeat(20)].map(h => Buffer.from(h, 'hex'))).map(e => e.downloaded), [0, 9, 0])
})

test('aliases: each valid pair joins its torrent; the report counts the bad ones; a missing aliases object is fine', async () => {
  const store = newStore()
  const file = JSON.stringify({
    torrents: { [HASH]: { peers_info: [good] } },
    aliases: { ['ef'.repeat(20)]: HASH, ['EF'.repeat(20)]: HASH, ['ee'.repeat(20)]: 'AB'.repeat(20) }
  })
  const report = await loadState(file, store)
  assert.deepEqual(report.reasons, { 'alias is not a pair of 40-digit hex info hashes': 2 })
  assert.deepEqual([...store.snapshot()][0].aliases, ['ef'.repeat(20)])
  assert.equal(store.scrape([Buffer.from('ef'.repeat(20), 'hex')])[0].incomplete, 1)
  const list = await loadState(JSON.stringify({ torrents: {}, aliases: [] }), newStore())
  assert.deepEqual(list.reasons, { 'aliases is not an object': 1 })
  assert.equal((await loadState(JSON.stringify({ torrents: {}, aliases: null }), newStore())).skipped, 1)
})
