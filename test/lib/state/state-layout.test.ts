import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MemoryPeerStore } from '../../../lib/store/memory/memory-peer-store.ts'
import { type AnnounceRequest, type TorrentSnapshot } from '../../../lib/store/peer-store.ts'
import { CorruptStateError } from '../../../lib/state/state-format.ts'
import { loadState, stateText } from '../../../lib/state/state-reader.ts'
import { serializeState, serializeStateAsync } from '../../../lib/state/state-writer.ts'
import { announceRequest } from '../../helpers/announce-request.ts'

const NOW = 1_800_000_000

/**
 * A store that counts `clear()`: loadState starts over (clears the store and parses the whole
 * text) only for a file not laid out as serializeState writes it, so a file the tracker wrote
 * itself is loaded a line at a time, without ever holding all of its peers as objects at once.
 */
class CountingStore extends MemoryPeerStore {
  clears = 0
  constructor () {
    super({ peerTimeout: 1800, similarityThreshold: 0.95, now: () => NOW })
  }

  override clear (): void {
    this.clears++
    super.clear()
  }
}

function req (hash: number, peer: number, extra: Partial<AnnounceRequest> = {}): AnnounceRequest {
  return announceRequest({
    infoHash: Buffer.alloc(20, hash),
    peerId: Buffer.alloc(20, peer),
    endpoint: peer % 2 === 0 ? Buffer.from([10, 0, hash, peer, 0x1a, 0xe1]) : Buffer.from([0x20, 0x01, 0x0d, 0xb8, ...Buffer.alloc(11), peer, 0x1a, 0xe1]),
    uploaded: peer,
    downloaded: 2 * peer,
    left: peer % 3 === 0 ? 0 : 100,
    numwant: 0,
    ...extra
  })
}

function filled (): CountingStore {
  const store = new CountingStore()
  for (let t = 1; t <= 4; t++) for (let p = 1; p <= t + 1; p++) store.announce(req(0xa0 + t, p))
  store.setInfo(Buffer.alloc(20, 0xa2).toString('hex'), { name: 'naïve "quoted" name', private: true })
  // An alias (differs from torrent 3 only where similarity does not look).
  const alias = Buffer.alloc(20, 0xa3)
  alias[12] = 0
  store.announce(req(0, 9, { infoHash: alias }))
  return store
}

const save = (store: MemoryPeerStore): string => [...serializeState(store.snapshot())].join('')

function view (store: MemoryPeerStore): unknown {
  return { totals: store.totals(), list: store.list({ limit: 100, offset: 0 }), snapshot: [...store.snapshot()].map(t => ({ ...t, peers: [...t.peers].map(p => ({ ...p, peerId: p.peerId.toString('hex'), endpoint: p.endpoint.toString('hex') })) })) }
}

test('a file as serializeState writes it is loaded a line at a time, never starting over', async () => {
  const original = filled()
  const text = save(original)
  for (const variant of [text, text + '\n  \n']) {
    const store = new CountingStore()
    const report = await loadState(variant, store)
    assert.equal(store.clears, 0, JSON.stringify(variant.slice(-20)))
    assert.deepEqual(report, { torrents: 4, peers: 15, expired: 0, skipped: 0, reasons: {} })
    assert.deepEqual(view(store), view(original))
  }
  // An empty store's file: the header, then the aliases line.
  const empty = new CountingStore()
  assert.deepEqual(await loadState(save(new CountingStore()), empty), { torrents: 0, peers: 0, expired: 0, skipped: 0, reasons: {} })
  assert.equal(empty.clears, 0)
})

test('any other layout of the same content starts over from the whole text and loads the same', async () => {
  const original = filled()
  const text = save(original)
  const lines = text.split('\n')
  const layouts = {
    'one line': text.replaceAll('\n', ''),
    'no newline at the end': text.replace(/\n$/, ''),
    'pretty-printed': JSON.stringify(JSON.parse(text), null, 1),
    'a torrent split over two lines': text.replace(',"stats":', '\n,"stats":'),
    'a torrent line with a space at its end': [lines[0], lines[1] + ' ', ...lines.slice(2)].join('\n'),
    'a header with extra spaces': text.replace('{"version":1,', '{"version": 1,'),
    'a header with a saved_at holding an escaped quote': text.replace(/"saved_at":"[^"]*"/, '"saved_at":"a\\"b"'),
    'a key in upper case': text.replace(/"([0-9a-f]{40})":\{"info"/, (_, h: string) => `"${h.toUpperCase()}":{"info"`),
    'the aliases before the last torrent line ends': text.replace(/\n\},"aliases":/, '},"aliases":')
  }
  for (const [name, layout] of Object.entries(layouts)) {
    assert.doesNotThrow(() => JSON.parse(layout), name)
    const store = new CountingStore()
    const report = await loadState(layout, store)
    assert.equal(store.clears, 1, `${name}: ${store.clears}`)
    assert.deepEqual([report.torrents, report.peers, report.skipped], [4, 15, 0], name)
    assert.deepEqual(view(store), view(original), name)
  }
})

test('a file in the writer\'s layout but damaged after its last line is corrupt, and leaves the store empty', async () => {
  const text = save(filled())
  for (const damaged of [text + 'x', text + '\n{}', text.replace('"aliases":{', '"aliases":{,')]) {
    const store = new CountingStore()
    await assert.rejects(loadState(damaged, store), CorruptStateError)
    assert.equal(store.totals().torrents, 0)
  }
  // Another version in the writer's layout is refused as such, not read line by line.
  await assert.rejects(loadState(text.replace('{"version":1,', '{"version":2,'), new CountingStore()), /unsupported version 2/)
})

test('the async writer writes the same file as the sync one', async () => {
  const store = filled()
  async function * snapshots (): AsyncGenerator<TorrentSnapshot> { yield * store.snapshot() }
  const chunks: string[] = []
  for await (const chunk of serializeStateAsync(snapshots())) chunks.push(chunk)
  const body = (s: string): string => s.replace(/"saved_at":"[^"]*"/, '')
  assert.equal(body(chunks.join('')), body(save(store)))
  assert.deepEqual(chunks.length, [...serializeState(store.snapshot())].length, 'a chunk per torrent, header and footer')
  const empty: string[] = []
  async function * none (): AsyncGenerator<TorrentSnapshot> {}
  for await (const chunk of serializeStateAsync(none())) empty.push(chunk)
  assert.equal(body(empty.join('')), body(save(new CountingStore())))
})

test('the header carries the version and the time of the save; stats count seeders and leechers', () => {
  const before = Date.now()
  const text = save(filled())
  const header = JSON.parse(text.slice(0, text.indexOf('\n')) + '}}') as { version: number, saved_at: string }
  assert.equal(header.version, 1)
  const saved = Date.parse(header.saved_at)
  assert.ok(saved >= before - 1000 && saved <= Date.now() + 1000, header.saved_at)
  const parsed = JSON.parse(text) as { torrents: Record<string, { stats: { seeders: number, leechers: number, completed: number }, peers_info: Array<{ left: number }> }> }
  for (const t of Object.values(parsed.torrents)) {
    assert.equal(t.stats.seeders, t.peers_info.filter(p => p.left === 0).length)
    assert.equal(t.stats.leechers, t.peers_info.filter(p => p.left !== 0).length)
  }
})

test('stateText reads UTF-8, and plain ASCII the same', () => {
  const text = '{"name":"Größe ✓ 日本"}'
  assert.equal(stateText(Buffer.from(text)), text)
  assert.equal(stateText(Buffer.from('{"a":1}')), '{"a":1}')
})
