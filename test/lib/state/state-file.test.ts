import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MemoryPeerStore } from '../../../lib/store/memory/memory-peer-store.ts'
import { EVENT_COMPLETED, EVENT_NONE, type AnnounceRequest } from '../../../lib/store/peer-store.ts'
import { CorruptStateError } from '../../../lib/state/state-format.ts'
import { loadState } from '../../../lib/state/state-reader.ts'
import { serializeState } from '../../../lib/state/state-writer.ts'

const NOW = 1_800_000_000

function newStore (): MemoryPeerStore {
  return new MemoryPeerStore({ peerTimeout: 1800, similarityThreshold: 0.95, now: () => NOW })
}

function announce (hash: number, peer: number, extra: Partial<AnnounceRequest> = {}): AnnounceRequest {
  const endpoint = peer % 4 === 0
    ? Buffer.from([0x20, 0x01, 0x0d, 0xb8, ...Buffer.alloc(11), peer, 0x1a, 0xe1])
    : Buffer.from([10, 0, hash, peer, 0x1a, 0xe1])
  return {
    infoHash: Buffer.alloc(20, hash),
    peerId: Buffer.alloc(20, peer),
    endpoint,
    uploaded: peer * 1000,
    downloaded: peer * 10,
    left: peer % 3 === 0 ? 0 : 5000,
    event: peer % 5 === 0 ? EVENT_COMPLETED : EVENT_NONE,
    numwant: 0,
    key: peer,
    wantPeerIds: false,
    wantOtherFamily: true,
    ...extra
  }
}

/** Ten torrents of a few IPv4 and IPv6 peers, one with metadata (a name beyond ASCII). */
function filledStore (): MemoryPeerStore {
  const store = newStore()
  for (let t = 1; t <= 10; t++) for (let p = 1; p <= t; p++) store.announce(announce(t, p))
  store.setInfo(Buffer.alloc(20, 3).toString('hex'), { name: 'Größe — ünïcode\u2028line', size: 42 })
  return store
}

function text (store: MemoryPeerStore): string {
  return [...serializeState(store.snapshot())].join('')
}

/** What a user of the store sees: totals, the torrents' pages, and a scrape of every hash. */
function view (store: MemoryPeerStore): unknown {
  const page = store.list({ offset: 0, limit: 100 })
  const hashes = page.torrents.map(t => Buffer.from(t.info_hash, 'hex'))
  return { totals: store.totals(), torrents: [...page.torrents].sort((a, b) => a.info_hash.localeCompare(b.info_hash)), scrape: store.scrape(hashes) }
}

test('a saved state is written a torrent per line and loads back the same swarms', async () => {
  const original = filledStore()
  const saved = text(original)
  assert.equal(saved.split('\n').length, 10 + 3, 'header, ten torrent lines, aliases, final newline')
  const loaded = newStore()
  const report = await loadState(saved, loaded)
  assert.deepEqual(report, { torrents: 10, peers: 55, expired: 0, skipped: 0, reasons: {} })
  assert.deepEqual(view(loaded), view(original))
})

test('the same state in other layouts (one line, a torrent split over lines) loads the same', async () => {
  const original = filledStore()
  const saved = text(original)
  const oneLine = saved.replaceAll('\n', '') + '\n'
  // Valid JSON still, and the first lines look like serializeState's: a line-by-line reader
  // would take the first half of this torrent for all of it.
  const split = saved.replace(',"peers_info":[', '\n,"peers_info":[')
  assert.doesNotThrow(() => JSON.parse(split))
  const pretty = JSON.stringify(JSON.parse(saved), null, 2)
  for (const layout of [oneLine, split, pretty]) {
    const loaded = newStore()
    assert.deepEqual(await loadState(layout, loaded), { torrents: 10, peers: 55, expired: 0, skipped: 0, reasons: {} })
    assert.deepEqual(view(loaded), view(original))
  }
})

test('a state file cut short is corrupt and leaves the store empty, even after whole lines', async () => {
  const saved = text(filledStore())
  const lines = saved.split('\n')
  for (const cut of [lines.slice(0, 6).join('\n') + '\n', saved.slice(0, saved.length - 10)]) {
    const store = newStore()
    await assert.rejects(loadState(cut, store), CorruptStateError)
    assert.deepEqual(store.totals(), { torrents: 0, peers: 0, seeders: 0, leechers: 0, completed: 0, uploaded: 0, downloaded: 0 })
  }
})

test('save, load, save gives the same bytes: aliases, metadata, keys, counted flags, IPv6, huge counters', async () => {
  const store = filledStore()
  // An alias: a hash differing from a known one only where similarity does not compare.
  const near = Buffer.alloc(20, 4)
  near[10] = 5
  store.announce(announce(4, 200, { infoHash: near, uploaded: 3 * 2 ** 40 + 1, left: 2 ** 45 }))
  const first = text(store)
  assert.match(first, /"aliases":\{"[0-9a-f]{40}":"[0-9a-f]{40}"\}/)
  assert.match(first, /"counted":true/)
  assert.match(first, /"counted":false/)
  assert.match(first, /"ip":"2001:db8::/)
  const loaded = newStore()
  assert.equal((await loadState(first, loaded)).skipped, 0)
  const second = text(loaded)
  const body = (s: string): string => s.replace(/"saved_at":"[^"]*"/, '')
  assert.equal(body(second), body(first))
})

test('a last_seen beyond 32 bits is no time, a peer listed twice is counted once, both among the skipped', async () => {
  const peer = { peer_id: 'aa'.repeat(20), ip: '10.0.0.1', port: 6881, uploaded: 0, downloaded: 0, left: 1, last_seen: NOW }
  const file = JSON.stringify({
    version: 1,
    torrents: {
      ['ab'.repeat(20)]: {
        info: {},
        peers_info: [peer, { ...peer, port: 6882, last_seen: 2 ** 32 + NOW }, { ...peer, port: 6883, last_seen: null }, { ...peer }, { ...peer, port: 6884, last_seen: NOW + 100 }],
        stats: { completed: 0 }
      }
    }
  })
  const store = newStore()
  const report = await loadState(file, store)
  assert.deepEqual(report, {
    torrents: 1,
    peers: 2,
    expired: 0,
    skipped: 3,
    reasons: { 'peer last_seen is not a time': 2, 'peer listed twice (same address and port, or key)': 1 }
  })
  // A time later than now is taken as now, so the peer expires on time.
  const [torrent] = [...store.snapshot()]
  assert.deepEqual([...torrent.peers].map(p => p.seen), [NOW, NOW])
})

test('each kind of wrongly typed entry is dropped or reset under its own reason; the rest loads', async () => {
  const good = { peer_id: 'aa'.repeat(20), ip: '10.0.0.1', port: 6881, uploaded: 1, downloaded: 2, left: 0, last_seen: NOW }
  const text = JSON.stringify({
    version: 1,
    torrents: {
      ['ab'.repeat(20)]: {
        info: { name: 42, size: 1000, piece_length: 'x', comment: 1, created_by: 2, creation_date: -1, private: 'yes' },
        peers_info: [
          good, { ...good, port: 'x' }, { ...good, port: 0 }, { ...good, port: 65536 }, { ...good, ip: 'nowhere' }, 'peer', [1],
          { ...good, port: 6883, uploaded: -5, downloaded: 1.5, left: 'all' }, { ...good, port: 6884, peer_id: 'short' },
          { ...good, port: 6885, peer_id: 'zz'.repeat(20) }, { ...good, port: 6886, peer_id: 'x'.repeat(20), key: 3.5 },
          { ...good, port: 6887, last_seen: -1 }, { ...good, port: 6888, last_seen: '1' }
        ],
        stats: { completed: 'many' }
      },
      ['ac'.repeat(20)]: { info: [], peers_info: {}, stats: [] },
      ['AD'.repeat(20)]: { info: {}, peers_info: [], stats: { completed: 3 } },
      'not-a-hash': { info: {}, peers_info: [], stats: {} },
      ['cd'.repeat(20)]: []
    },
    aliases: { ['ef'.repeat(20)]: 12, short: 'ab'.repeat(20), ['ee'.repeat(20)]: '99'.repeat(20), ['ed'.repeat(20)]: 'ab'.repeat(20) }
  })
  const store = newStore()
  const report = await loadState(text, store)
  assert.deepEqual(report.reasons, {
    'info.name has the wrong type': 1,
    'info.piece_length has the wrong type': 1,
    'info.comment has the wrong type': 1,
    'info.created_by has the wrong type': 1,
    'info.creation_date has the wrong type': 1,
    'info.private has the wrong type': 1,
    'stats.completed is not a count (reset to 0)': 1,
    'peer port is not 1-65535': 3,
    'peer ip is not an IP address': 1,
    'peer is not an object': 2,
    'peer uploaded is not a count (reset to 0)': 1,
    'peer downloaded is not a count (reset to 0)': 1,
    'peer left is not a count (reset to 0)': 1,
    'peer_id is not 20 bytes in hex': 2,
    'peer last_seen is not a time': 2,
    'torrent info is not an object': 1,
    'peers_info is not a list': 1,
    'torrent stats is not an object': 1,
    'torrent key is not a 40-digit hex info hash': 1,
    'torrent entry is not an object': 1,
    'alias is not a pair of 40-digit hex info hashes': 2,
    'alias of a torrent not in the file': 1
  })
  assert.equal(report.skipped, Object.values(report.reasons).reduce((a, b) => a + b, 0))
  assert.deepEqual({ torrents: report.torrents, peers: report.peers, expired: report.expired }, { torrents: 3, peers: 3, expired: 0 })
  const torrents = [...store.snapshot()]
  const first = torrents.find(t => t.infoHash === 'ab'.repeat(20))
  assert.deepEqual(first?.info, { size: 1000 })
  assert.equal(first?.completed, 0)
  assert.deepEqual(first?.aliases, ['ed'.repeat(20)])
  const reset = [...(first?.peers ?? [])].find(p => p.endpoint.readUInt16BE(4) === 6883)
  assert.deepEqual([reset?.uploaded, reset?.downloaded, reset?.left], [0, 0, 0])
  const raw = [...(first?.peers ?? [])].find(p => p.endpoint.readUInt16BE(4) === 6886)
  assert.deepEqual([raw?.peerId.toString(), raw?.key], ['x'.repeat(20), 0], 'a 20-character peer id of an older file; a key that is no integer is none')
  assert.equal(torrents.find(t => t.infoHash === 'ad'.repeat(20))?.completed, 3, 'upper-case hex keys are read')
})

test('a file of another version, or not an object of torrents, is corrupt', async () => {
  for (const text of ['{"version":2,"torrents":{}}', '{"torrents":[]}', '[]', 'null', '{"version":1,"saved_at":"x","torrents":{\n"ab']) {
    await assert.rejects(loadState(text, newStore()), CorruptStateError, text)
  }
  assert.equal((await loadState('{"torrents":{}}', newStore())).torrents, 0, 'a file without a version is of the first')
})

test('a torrent registered without metadata stays registered through a save and a load; an unregistered one does not become so', async () => {
  const options = { peerTimeout: 1800, similarityThreshold: 0.95, registeredOnly: true }
  const store = new MemoryPeerStore(options)
  const registered = 'ab'.repeat(20)
  store.setInfo(registered, {})
  const text = [...serializeState(store.snapshot())].join('')
  assert.match(text, /"registered":true/)
  const copy = new MemoryPeerStore(options)
  await loadState(text, copy)
  const announce = (hex: string): unknown => copy.announce({ infoHash: Buffer.from(hex, 'hex'), peerId: Buffer.alloc(20, 1), endpoint: Buffer.from([10, 0, 0, 1, 0x1a, 0xe1]), uploaded: 0, downloaded: 0, left: 1, event: 0, numwant: 50, key: 0, wantPeerIds: false, wantOtherFamily: true })
  assert.doesNotThrow(() => announce(registered))
  // Tracked in open mode (no metadata), then loaded by a whitelist tracker: not registered.
  const open = new MemoryPeerStore({ peerTimeout: 1800, similarityThreshold: 0.95 })
  open.announce({ infoHash: Buffer.alloc(20, 0xcd), peerId: Buffer.alloc(20, 2), endpoint: Buffer.from([10, 0, 0, 2, 0x1a, 0xe1]), uploaded: 0, downloaded: 0, left: 1, event: 0, numwant: 50, key: 0, wantPeerIds: false, wantOtherFamily: true })
  const strict = new MemoryPeerStore(options)
  await loadState([...serializeState(open.snapshot())].join(''), strict)
  assert.throws(() => strict.announce({ infoHash: Buffer.alloc(20, 0xcd), peerId: Buffer.alloc(20, 2), endpoint: Buffer.from([10, 0, 0, 2, 0x1a, 0xe1]), uploaded: 0, downloaded: 0, left: 1, event: 0, numwant: 50, key: 0, wantPeerIds: false, wantOtherFamily: true }), /unregistered torrent/)
})
