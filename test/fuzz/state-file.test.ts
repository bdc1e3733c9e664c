import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import fc from 'fast-check'
import { formatIp, parseIp } from '../../lib/bittorrent/ip-address.ts'
import { MemoryPeerStore } from '../../lib/store/memory/memory-peer-store.ts'
import { EVENT_COMPLETED, EVENT_NONE, type AnnounceRequest } from '../../lib/store/peer-store.ts'
import { CorruptStateError } from '../../lib/state/state-format.ts'
import { loadState, stateText, type LoadReport } from '../../lib/state/state-reader.ts'
import { serializeState } from '../../lib/state/state-writer.ts'
import { buildApp } from '../../app.ts'
import { collectedLogs } from '../helpers/tracker.ts'

// Fixed seeds: a failure names its seed and path, and the same run reproduces it.
const SEED = 0x57a7_e0f1
const NOW = 1_800_000_000
const TIMEOUT = 1800

function newStore (now = (): number => NOW): MemoryPeerStore {
  return new MemoryPeerStore({ peerTimeout: TIMEOUT, similarityThreshold: 0.95, now })
}

/** Five torrents of IPv4 and IPv6 peers (seeders, leechers, counted downloads), metadata and an alias. */
function filledStore (now = (): number => NOW): MemoryPeerStore {
  const store = newStore(now)
  for (let t = 1; t <= 5; t++) {
    for (let p = 1; p <= t + 1; p++) {
      const request: AnnounceRequest = {
        infoHash: Buffer.alloc(20, t * 17),
        peerId: Buffer.alloc(20, p),
        endpoint: p % 3 === 0 ? Buffer.from([0x20, 0x01, 0x0d, 0xb8, ...Buffer.alloc(11), p, 0x1a, 0xe1]) : Buffer.from([10, 0, t, p, 0x1a, 0xe1]),
        uploaded: p * 1000,
        downloaded: p * 10,
        left: p % 2 === 0 ? 0 : 5000,
        event: p % 4 === 0 ? EVENT_COMPLETED : EVENT_NONE,
        numwant: 0,
        key: p,
        wantPeerIds: false,
        wantOtherFamily: true
      }
      store.announce(request)
    }
  }
  store.setInfo(Buffer.alloc(20, 17).toString('hex'), { name: 'Größe — ü', size: 42, piece_length: 16384, comment: 'c', created_by: 'x', creation_date: 1_700_000_000, private: true })
  store.setInfo(Buffer.alloc(20, 34).toString('hex'), { name: 'plain' })
  store.restore({ infoHash: Buffer.alloc(20, 51).toString('hex'), info: null, completed: 0, peers: [], aliases: ['ee'.repeat(20)] })
  return store
}

const saved = (store: MemoryPeerStore): string => [...serializeState(store.snapshot())].join('')
const BASE = saved(filledStore())
const ZERO = { torrents: 0, peers: 0, seeders: 0, leechers: 0, completed: 0, uploaded: 0, downloaded: 0 }

// --- Mutations --------------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/** Every place in the tree: a list of keys from the root. */
function paths (value: Json, at: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  out.push(at)
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...at, i], out))
  else if (value !== null && typeof value === 'object') for (const k of Object.keys(value)) paths(value[k], [...at, k], out)
  return out
}

/** Sets an own property, even one named `__proto__`, as JSON.parse would have. */
function put (target: Json[] | { [key: string]: Json }, key: string | number, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

const STRINGS = ['', 'x', '10.0.0.1', '::1', '::ffff:10.0.0.9', '999.0.0.1', '10.0.0.01', 'AB'.repeat(20), 'zz'.repeat(20), 'ab'.repeat(19),
  'abcdefghijklmnopqrst', 'ÿ'.repeat(20), 'Ā'.repeat(20), '1800000000', '6881', 'true', '__proto__', '2026-01-01T00:00:00Z']
const NUMBERS = [0, -1, 1, 1.5, -0.5, 6881, 65535, 65536, NOW, NOW - TIMEOUT - 1, 2 ** 32, 2 ** 32 + NOW, 2 ** 53 - 1, 2 ** 53, 1e21, Number.MAX_VALUE]

/** A value of some other type, or an edge of the same one. */
const otherValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, [], {}, [1], { a: 1 }),
  fc.constantFrom(...STRINGS), fc.constantFrom(...NUMBERS), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })
)

type Edit =
  | { op: 'replace', at: number, value: Json }
  | { op: 'retype', at: number }
  | { op: 'delete', at: number }
  | { op: 'add', at: number, key: string, value: Json }
  | { op: 'duplicate', at: number }

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: otherValue }),
  fc.record({ op: fc.constant('retype' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('add' as const), at: fc.nat(), key: fc.oneof(fc.constantFrom('peer_id', 'ip', 'port', 'last_seen', 'name', 'stats', 'info', 'peers_info', '__proto__', 'ab'.repeat(20)), fc.string({ maxLength: 6 })), value: otherValue }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() })
)

/** The same value in another type: numbers to strings and back, objects to lists and back. */
function retype (v: Json): Json {
  if (typeof v === 'number') return String(v)
  if (typeof v === 'string') return Number.isFinite(Number(v)) && v !== '' ? Number(v) : [v]
  if (typeof v === 'boolean') return v ? 1 : 0
  if (Array.isArray(v)) return Object.fromEntries(v.map((x, i) => [String(i), x]))
  if (v !== null) return Object.values(v)
  return {}
}

function applyEdit (root: Json, e: Edit): Json {
  const all = paths(root)
  const path = all[e.at % all.length]
  if (path.length === 0) return e.op === 'replace' ? structuredClone(e.value) : e.op === 'retype' ? retype(root) : root
  let parent = root as Json[] | { [key: string]: Json }
  for (const k of path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[k] as Json[] | { [key: string]: Json }
  const key = path[path.length - 1]
  const value = (parent as Record<string | number, Json>)[key]
  switch (e.op) {
    case 'replace': put(parent, key, structuredClone(e.value)); break
    case 'retype': put(parent, key, retype(value)); break
    case 'delete': if (Array.isArray(parent)) parent.splice(key as number, 1); else delete parent[key]; break
    case 'add': if (value !== null && typeof value === 'object' && !Array.isArray(value)) put(value, e.key, structuredClone(e.value)); break
    case 'duplicate': if (Array.isArray(parent)) parent.splice(key as number, 0, structuredClone(value)); break
  }
  return root
}

/** The layout serializeState writes (a torrent per line), with whatever the tree now holds. */
function lineLayout (root: Json): string {
  if (root === null || typeof root !== 'object' || Array.isArray(root) || root.torrents === null || typeof root.torrents !== 'object' || Array.isArray(root.torrents)) {
    return JSON.stringify(root) + '\n'
  }
  const { torrents, aliases, ...head } = root
  const open = JSON.stringify({ ...head, torrents: {} }).slice(0, -2) + '{'
  const lines = Object.keys(torrents).map((k, i) => `${i === 0 ? '' : ','}${JSON.stringify(k)}:${JSON.stringify(torrents[k])}`)
  return `${open}\n${lines.join('\n')}${lines.length > 0 ? '\n' : ''}}${aliases === undefined ? '' : `,"aliases":${JSON.stringify(aliases)}`}}\n`
}

/** Type changes of fields, laid out a torrent per line, on one line, or pretty-printed. */
const treeMutation = (base: string): fc.Arbitrary<string> => fc.tuple(fc.array(edit, { minLength: 1, maxLength: 4 }), fc.constantFrom('lines', 'lines', 'one line', 'pretty')).map(([edits, layout]) => {
  const root = edits.reduce(applyEdit, JSON.parse(base) as Json)
  return layout === 'lines' ? lineLayout(root) : layout === 'one line' ? JSON.stringify(root) : JSON.stringify(root, null, 2)
})

/** A number of the file replaced by a literal only a text can hold (1e400 parses as Infinity). */
const NUMBER_LITERAL = /(?<=[:[,]\s*)-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?=\s*[,\]}])/g
const LITERALS = ['1e400', '-1e400', '1e-400', '-0', '0.0', '1E3', '4294967296', '18000000000', '9007199254740993', '99999999999999999999', '"6881"', 'null', '[]', '{}', 'true']
const literalMutation = (base: string): fc.Arbitrary<string> => fc.tuple(fc.array(fc.tuple(fc.nat(), fc.constantFrom(...LITERALS)), { minLength: 1, maxLength: 3 }), fc.constantFrom('lines', 'pretty')).map(([swaps, layout]) => {
  let text = layout === 'lines' ? base : JSON.stringify(JSON.parse(base), null, 2)
  for (const [at, literal] of swaps) {
    const found = [...text.matchAll(NUMBER_LITERAL)]
    const m = found[at % found.length]
    text = text.slice(0, m.index) + literal + text.slice(m.index + m[0].length)
  }
  return text
})

type ByteEdit = { op: 'flip', at: number, bit: number } | { op: 'set', at: number, byte: number } | { op: 'cut', at: number, length: number } |
{ op: 'insert', at: number, bytes: Uint8Array } | { op: 'truncate', at: number }
const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...Buffer.from('"{}[],:\n0-e.\\ 9'))) }) },
  fc.record({ op: fc.constant('cut' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() })
)
function applyByteEdit (bytes: Buffer, e: ByteEdit): Buffer {
  const at = e.at % (bytes.length + 1)
  switch (e.op) {
    case 'flip': { const out = Buffer.from(bytes); if (at < out.length) out[at] ^= 1 << e.bit; return out }
    case 'set': { const out = Buffer.from(bytes); if (at < out.length) out[at] = e.byte; return out }
    case 'cut': return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + e.length)])
    case 'insert': return Buffer.concat([bytes.subarray(0, at), e.bytes, bytes.subarray(at)])
    case 'truncate': return bytes.subarray(0, at)
  }
}
/** Byte flips, changed bytes, cuts, insertions and truncations of the saved file. */
const byteMutation = (base: string): fc.Arbitrary<Buffer> => fc.array(byteEdit, { minLength: 1, maxLength: 4 }).map(edits => edits.reduce(applyByteEdit, Buffer.from(base)))

/** Shown as its text in a counterexample, rather than as a list of byte values. */
function readable (bytes: Buffer): Buffer {
  Object.defineProperty(bytes, fc.toStringMethod, { value: () => `file ${JSON.stringify(stateText(bytes))}` })
  return bytes
}

/** A mutated state file as the bytes on disk. */
const mutatedFile = (base: string): fc.Arbitrary<Buffer> => fc.oneof(
  byteMutation(base),
  treeMutation(base).map(text => Buffer.from(text)),
  literalMutation(base).map(text => Buffer.from(text))
).map(readable)

// --- Checks -------------------------------------------------------------------------------------

/** Each peer the store holds, read back through its snapshot. */
function storedPeers (store: MemoryPeerStore): Array<{ endpoint: Buffer, peerId: Buffer, seen: number, counters: number[] }> {
  const out = []
  for (const torrent of store.snapshot()) {
    for (const p of torrent.peers) {
      out.push({ endpoint: Buffer.from(p.endpoint), peerId: Buffer.from(p.peerId), seen: p.seen, counters: [p.uploaded, p.downloaded, p.left] })
    }
  }
  return out
}

/**
 * Loads the text and checks the documented outcome: a CorruptStateError with the store left
 * empty, or a report whose `skipped` is the sum of its reasons, with only valid peers loaded.
 */
async function checkLoad (text: string, now = NOW): Promise<LoadReport | CorruptStateError> {
  const store = newStore(() => now)
  let report: LoadReport
  try {
    report = await loadState(text, store)
  } catch (err) {
    assert.ok(err instanceof CorruptStateError, `only a CorruptStateError may escape, got ${String((err as Error)?.stack ?? err)}`)
    assert.ok(err.message.length > 0)
    assert.deepEqual(store.totals(), ZERO, 'a corrupt file leaves the store empty')
    return err
  }
  const counts = Object.values(report.reasons)
  assert.ok(counts.every(n => Number.isInteger(n) && n > 0))
  assert.equal(report.skipped, counts.reduce((a, b) => a + b, 0), `skipped is the sum of the reasons: ${JSON.stringify(report)}`)
  for (const n of [report.torrents, report.peers, report.expired]) assert.ok(Number.isInteger(n) && n >= 0)

  const peers = storedPeers(store)
  assert.equal(store.totals().peers, peers.length)
  assert.equal(report.peers, peers.length, 'the peers reported loaded are the peers in the store')
  for (const p of peers) {
    const address = p.endpoint.subarray(0, p.endpoint.length - 2)
    const port = p.endpoint.readUInt16BE(p.endpoint.length - 2)
    assert.ok(port >= 1 && port <= 65535, `port ${port}`)
    // An address that reads back as itself (an IPv4-mapped one would have been stored as IPv4).
    assert.deepEqual(parseIp(formatIp(address)), address)
    assert.equal(p.peerId.length, 20)
    for (const n of p.counters) assert.ok(Number.isSafeInteger(n) && n >= 0)
    // Peers older than the timeout are dropped while loading.
    assert.ok(p.seen >= now - TIMEOUT, `a peer last seen at ${p.seen} was loaded, before the cutoff ${now - TIMEOUT}`)
  }
  // What was loaded saves and loads again as it is, with nothing to skip or expire.
  const again = newStore(() => now)
  const second = await loadState(saved(store), again)
  assert.deepEqual({ skipped: second.skipped, expired: second.expired, peers: second.peers }, { skipped: 0, expired: 0, peers: peers.length })
  assert.deepEqual(again.totals(), store.totals())
  return report
}

// --- Properties ---------------------------------------------------------------------------------

test('the unmutated file loads clean', async () => {
  const report = await checkLoad(BASE)
  assert.ok(!(report instanceof CorruptStateError))
  assert.deepEqual(report, { torrents: 5, peers: 20, expired: 0, skipped: 0, reasons: {} })
})

test('a mutated state file is refused as corrupt, or loads valid peers only with every skip counted under a reason', async () => {
  const outcomes = { corrupt: 0, skipped: 0, clean: 0 }
  await fc.assert(fc.asyncProperty(mutatedFile(BASE), async (bytes) => {
    const result = await checkLoad(stateText(bytes))
    if (result instanceof CorruptStateError) outcomes.corrupt++
    else if (result.skipped > 0) outcomes.skipped++
    else outcomes.clean++
  }), { seed: SEED, numRuns: 1200, includeErrorInReport: true })
  assert.ok(outcomes.corrupt > 100 && outcomes.skipped > 100 && outcomes.clean > 100, JSON.stringify(outcomes))
})

/** What loadState alone makes of the file: the outcome the start must act on. */
async function outcomeOf (text: string, now: number): Promise<'corrupt' | 'skipped' | 'clean'> {
  try {
    return (await loadState(text, newStore(() => now))).skipped > 0 ? 'skipped' : 'clean'
  } catch {
    return 'corrupt'
  }
}

test('at start, a mutated state file is kept byte for byte as .corrupt-* or .skipped-*, or it loaded clean', async () => {
  // The same mutations, over a file of the current time so that its peers are not expired.
  const now = Math.floor(Date.now() / 1000)
  const base = saved(filledStore(() => now))
  const outcomes = { corrupt: 0, skipped: 0, clean: 0 }
  await fc.assert(fc.asyncProperty(mutatedFile(base), async (bytes) => {
    const want = await outcomeOf(stateText(bytes), now)
    outcomes[want]++
    const dir = mkdtempSync(join(tmpdir(), 'tracker-fuzz-state-'))
    const file = join(dir, 'state.json')
    try {
      writeFileSync(file, bytes)
      const { lines: logs, logger } = collectedLogs()
      const app = await buildApp({ env: { TRACKER_DATA_FILE: file, TRACKER_SAVE_INTERVAL: '0', TRACKER_UDP_PORT: '0' }, logger })
      try {
        assert.equal(app.state.status.blocked, null, 'saving is not blocked')
        const files = readdirSync(dir).sort()
        const loaded = logs.find(l => l.msg === 'state loaded')
        const kept = (name: string): boolean => readFileSync(join(dir, name)).equals(bytes)
        if (want === 'corrupt') {
          // Moved aside whole, nothing left in its place until the first save.
          assert.equal(files.length, 1, files.join())
          assert.match(files[0], /^state\.json\.corrupt-/)
          assert.ok(kept(files[0]), 'the corrupt file is kept byte for byte')
          assert.equal(loaded, undefined)
        } else if (want === 'skipped') {
          // Loaded without the bad entries, the file untouched and a copy of it beside.
          assert.equal(files.length, 2, files.join())
          assert.equal(files[0], 'state.json')
          assert.match(files[1], /^state\.json\.skipped-/)
          assert.ok(kept('state.json') && kept(files[1]), 'the file and its copy are the original bytes')
          assert.ok(loaded !== undefined && (loaded.skipped as number) > 0)
        } else {
          assert.deepEqual(files, ['state.json'], 'no copy of a clean file')
          assert.ok(kept('state.json'))
          assert.equal(loaded?.skipped, 0)
        }
      } finally {
        await app.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }), { seed: SEED, numRuns: 30, includeErrorInReport: true })
  assert.ok(outcomes.corrupt > 0 && outcomes.skipped > 0 && outcomes.clean > 0, JSON.stringify(outcomes))
})
