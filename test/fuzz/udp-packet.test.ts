import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { ConnectionIds } from '../../lib/udp/connection-id.ts'
import { parseIp } from '../../lib/bittorrent/ip-address.ts'
import { MemoryPeerStore } from '../../lib/store/memory/memory-peer-store.ts'
import { PACKET_MAX, PEERS_MAX_V4, PEERS_MAX_V6, REPLY_PAYLOAD_MAX } from '../../lib/udp/protocol.ts'
import { UdpRequestHandler, type UdpCounters } from '../../lib/udp/request-handler.ts'
import { announcePacket, connectPacket, scrapePacket } from '../helpers/udp.ts'

// Fixed seeds: a failure names its seed and path, and the same run reproduces it.
const SEED = 0x5eed_0015
const NOW = 1_800_000_000
const SECRET = Buffer.from('fuzzing-udp-key!')
const LIMITS = { numwantDefault: 50, numwantMax: 200, allowIpParam: false }
const SCRAPE_MAX = 64
const INTERVAL = 900

/** Where datagrams come from, as the socket reports them: IPv4, IPv4-mapped and IPv6. */
const HOSTS = ['127.0.0.1', '10.1.2.3', '::ffff:192.0.2.7', '::1', '2001:db8::5']

/** One handler over a real in-memory store for a whole property: swarms fill up as it runs. */
function setup (): { handler: UdpRequestHandler, counters: UdpCounters, errors: unknown[] } {
  const counters: UdpCounters = { connect: 0, announce: 0, scrape: 0, announceFailure: 0, scrapeFailure: 0, error: 0, malformed: 0 }
  const errors: unknown[] = []
  const handler = new UdpRequestHandler({
    store: new MemoryPeerStore({ peerTimeout: 1800, similarityThreshold: 0, now: () => NOW }),
    ids: new ConnectionIds({ secret: SECRET, now: () => NOW }),
    limits: LIMITS,
    interval: INTERVAL,
    scrapeMax: SCRAPE_MAX,
    counters,
    onError: err => errors.push(err)
  })
  return { handler, counters, errors }
}

/** The same key and clock as the handler's: whether a packet carries a valid id, and ids to put in. */
const ids = new ConnectionIds({ secret: SECRET, now: () => NOW })
const staleIds = new ConnectionIds({ secret: SECRET, now: () => NOW - 121 })

type Expected =
  | { kind: 'drop' }
  | { kind: 'connect' }
  | { kind: 'bad id' }
  | { kind: 'error', malformed: boolean }
  | { kind: 'announce' }
  | { kind: 'scrape' }

/** What the README ("UDP tracker", "No amplification", "Malformed packets") says a packet gets. */
function expected (packet: Buffer, validId: boolean): Expected {
  if (packet.length < 16 || packet.length > PACKET_MAX) return { kind: 'drop' }
  const action = packet.readUInt32BE(8)
  if (action === 0) return packet.readUInt32BE(0) === 0x417 && packet.readUInt32BE(4) === 0x27101980 ? { kind: 'connect' } : { kind: 'drop' }
  if (action !== 1 && action !== 2) return { kind: 'drop' }
  // A 25-byte error, only to a request at least that long.
  if (!validId) return packet.length >= 25 ? { kind: 'bad id' } : { kind: 'drop' }
  if (action === 2) {
    const body = packet.length - 16
    if (body === 0 || body % 20 !== 0) return { kind: 'error', malformed: true }
    return body / 20 > SCRAPE_MAX ? { kind: 'error', malformed: false } : { kind: 'scrape' }
  }
  if (packet.length < 98) return { kind: 'error', malformed: true }
  const tooLarge = (at: number): boolean => packet.readBigUInt64BE(at) > BigInt(Number.MAX_SAFE_INTEGER)
  if (packet.readUInt32BE(80) > 3 || packet.readUInt16BE(96) === 0 || tooLarge(56) || tooLarge(72)) return { kind: 'error', malformed: false }
  return { kind: 'announce' }
}

// --- Generators -------------------------------------------------------------------------------

const u32 = fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 0x7fffffff, 0xffffffff), fc.integer({ min: 0, max: 0xffffffff }))
const u64 = fc.oneof(
  { weight: 8, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 40n }) },
  fc.constantFrom(0n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })
)
/** A few torrents, so that announces meet each other and replies carry peers. */
const hash = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 5 }).map(n => Buffer.alloc(20, n)) }, fc.uint8Array({ minLength: 20, maxLength: 20 }).map(b => Buffer.from(b)))
const source = fc.record({ host: fc.constantFrom(...HOSTS), port: fc.oneof(fc.constantFrom(1, 6881, 65535), fc.integer({ min: 1, max: 65535 })) })

/** Whose id the packet carries: the sender's, a stale one, another port's, or none at all. */
const idMode = fc.oneof({ weight: 6, arbitrary: fc.constant('valid') }, fc.constantFrom('stale', 'other port', 'random'))

const announceFields = fc.record({
  transactionId: u32,
  infoHash: hash,
  peerId: fc.uint8Array({ minLength: 20, maxLength: 20 }).map(b => Buffer.from(b)),
  downloaded: u64,
  left: u64,
  uploaded: u64,
  event: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 3 }) }, u32),
  ip: u32,
  key: fc.integer({ min: 0, max: 0xffffffff }),
  numwant: fc.oneof(fc.constantFrom(-1, 0, 1, 67, 68, 200, 202, 203, 2 ** 31 - 1, -(2 ** 31)), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
  port: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 65535 }) }, fc.constant(0)),
  options: fc.option(fc.uint8Array({ maxLength: 40 }).map(b => Buffer.from(b)), { nil: undefined })
})

const request = fc.oneof(
  fc.record({ kind: fc.constant('connect' as const), transactionId: u32 }),
  { weight: 3, arbitrary: announceFields.map(a => ({ kind: 'announce' as const, ...a })) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('scrape' as const), transactionId: u32, hashes: fc.array(hash, { maxLength: 80 }) }) }
)

type Mutation =
  | { op: 'flip', at: number, bit: number }
  | { op: 'set', at: number, value: number }
  | { op: 'field', at: number, value: number }
  | { op: 'truncate', length: number }
  | { op: 'append', bytes: Uint8Array }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  // A whole 32-bit field of the header or of an announce body: action, event, ip, key, num_want.
  fc.record({ op: fc.constant('field' as const), at: fc.constantFrom(0, 4, 8, 12, 80, 84, 88, 92, 94), value: u32 }),
  fc.record({ op: fc.constant('truncate' as const), length: fc.nat({ max: 1600 }) }),
  fc.record({ op: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 60 }) })
)

function mutate (packet: Buffer, m: Mutation): Buffer {
  const out = Buffer.from(packet)
  switch (m.op) {
    case 'flip': if (out.length > 0) out[m.at % out.length] ^= 1 << m.bit; return out
    case 'set': if (out.length > 0) out[m.at % out.length] = m.value; return out
    case 'field': if (out.length >= m.at + 4) out.writeUInt32BE(m.value, m.at); return out
    case 'truncate': return out.subarray(0, m.length % (out.length + 1))
    case 'append': return Buffer.concat([out, m.bytes])
  }
}

type Request = typeof request extends fc.Arbitrary<infer R> ? R : never

/** The request laid out as a client would, with an id of the chosen kind for this sender. */
function build (r: Request, mode: string, from: { host: string, port: number }, randomId: Buffer): Buffer {
  if (r.kind === 'connect') return connectPacket(r.transactionId)
  const address = parseIp(from.host)
  assert.ok(address !== null)
  const id = Buffer.from(randomId)
  if (mode === 'valid') ids.issue(address, from.port, id, 0)
  else if (mode === 'stale') staleIds.issue(address, from.port, id, 0)
  else if (mode === 'other port') ids.issue(address, from.port === 65535 ? 1 : from.port + 1, id, 0)
  return r.kind === 'scrape' ? scrapePacket(id, r.transactionId, r.hashes) : announcePacket({ connectionId: id, ...r })
}

const structured = fc.tuple(request, idMode, source, fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.oneof(fc.constant([]), fc.array(mutation, { minLength: 1, maxLength: 3 })))
  .map(([r, mode, from, randomId, mutations]) => ({ packet: mutations.reduce(mutate, build(r, mode, from, Buffer.from(randomId))), from }))
const randomBytes = fc.tuple(fc.uint8Array({ maxLength: 1600 }), source).map(([b, from]) => ({ packet: Buffer.from(b), from }))
/** Random bytes behind a header with a known action: they get past the first checks. */
const randomBody = fc.tuple(fc.constantFrom(0, 1, 2, 3), u32, fc.uint8Array({ maxLength: 1500 }), source).map(([action, tx, body, from]) => {
  const head = Buffer.alloc(16)
  head.writeUInt32BE(action, 8)
  head.writeUInt32BE(tx, 12)
  return { packet: Buffer.concat([head, body]), from }
})

// --- Properties ---------------------------------------------------------------------------------

/** Runs one packet through the handler and checks its reply against the documented one. */
async function check (h: ReturnType<typeof setup>, packet: Buffer, from: { host: string, port: number }, seen: Record<string, number>): Promise<void> {
  const address = parseIp(from.host)
  assert.ok(address !== null)
  const validId = packet.length >= 16 && ids.verify(packet, 0, address, from.port)
  const want = expected(packet, validId)
  seen[want.kind] = (seen[want.kind] ?? 0) + 1
  const before = { ...h.counters }
  const failures = h.errors.length
  // Never an exception: handle() neither throws nor rejects, and reports no failure of its own.
  const reply = await h.handler.handle(Buffer.from(packet), from.host, from.port)
  assert.deepEqual(h.errors.slice(failures), [], 'no failure of the tracker\'s own')
  const tx = packet.length >= 16 ? packet.readUInt32BE(12) : -1
  const what = `${want.kind} for ${packet.toString('hex')} from ${from.host}:${from.port}`

  if (reply !== null) {
    assert.ok(reply.length >= 8 && reply.length <= REPLY_PAYLOAD_MAX, what)
    assert.equal(reply.readUInt32BE(4), tx, `same transaction id: ${what}`)
    // No amplification: before a valid id, no reply is larger than its request.
    if (!validId) assert.ok(reply.length <= packet.length, `amplified ${reply.length} > ${packet.length}: ${what}`)
  }
  const isError = reply !== null && reply.readUInt32BE(0) === 3
  assert.equal(h.counters.error - before.error, isError ? 1 : 0, `error replies counted: ${what}`)

  switch (want.kind) {
    case 'drop':
      assert.equal(reply, null, what)
      {
        // Dropped for its layout (malformed), or for its id: an announce or scrape too short for the error.
        const forItsId = packet.length >= 16 && packet.length <= PACKET_MAX && [1, 2].includes(packet.readUInt32BE(8))
        assert.equal(h.counters.malformed - before.malformed, forItsId ? 0 : 1, what)
      }
      return
    case 'connect':
      assert.ok(reply !== null && reply.length === 16 && reply.readUInt32BE(0) === 0, what)
      assert.ok(ids.verify(reply, 8, address, from.port), `the id issued is valid for its sender: ${what}`)
      return
    case 'bad id':
      assert.ok(reply !== null && isError, what)
      assert.equal(reply.subarray(8).toString(), 'bad connection id', what)
      return
    case 'error': {
      assert.ok(reply !== null && isError, what)
      const message = reply.subarray(8).toString()
      assert.match(message, /^[\x20-\x7e]+$/, `a text message: ${what}`)
      assert.notEqual(message, 'internal error', what)
      assert.equal(h.counters.malformed - before.malformed, want.malformed ? 1 : 0, what)
      return
    }
    case 'announce': {
      assert.ok(reply !== null && reply.readUInt32BE(0) === 1, `${reply?.subarray(8).toString()}: ${what}`)
      assert.equal(reply.readUInt32BE(8), INTERVAL)
      const entry = address.length === 4 ? 6 : 18
      assert.equal((reply.length - 20) % entry, 0, `whole peers of the sender's family: ${what}`)
      const asked = packet.readInt32BE(92)
      const cap = Math.min(asked < 0 ? LIMITS.numwantDefault : asked, LIMITS.numwantMax, entry === 6 ? PEERS_MAX_V4 : PEERS_MAX_V6)
      assert.ok((reply.length - 20) / entry <= cap, `at most ${cap} peers: ${what}`)
      const own = Buffer.alloc(entry)
      address.copy(own)
      own.writeUInt16BE(packet.readUInt16BE(96), entry - 2)
      if (reply.length > 20) seen['announce with peers'] = (seen['announce with peers'] ?? 0) + 1
      for (let at = 20; at < reply.length; at += entry) assert.ok(!reply.subarray(at, at + entry).equals(own), `the sender never gets itself: ${what}`)
      return
    }
    case 'scrape':
      assert.ok(reply !== null && reply.readUInt32BE(0) === 2, `${reply?.subarray(8).toString()}: ${what}`)
      assert.equal(reply.length, 8 + 12 * ((packet.length - 16) / 20), what)
  }
}

test('random datagrams of 0 to 1600 bytes are dropped or answered as documented, never amplified', async () => {
  const h = setup()
  const seen: Record<string, number> = {}
  await fc.assert(fc.asyncProperty(fc.oneof(randomBytes, randomBody), async ({ packet, from }) => {
    await check(h, packet, from, seen)
  }), { seed: SEED, numRuns: 3000, includeErrorInReport: true })
  assert.ok((seen.drop ?? 0) > 100 && (seen['bad id'] ?? 0) > 100, JSON.stringify(seen))
})

test('mutated connects, announces and scrapes get the documented reply with their transaction id, or none', async () => {
  const h = setup()
  const seen: Record<string, number> = {}
  await fc.assert(fc.asyncProperty(structured, async ({ packet, from }) => {
    await check(h, packet, from, seen)
  }), { seed: SEED, numRuns: 4000, includeErrorInReport: true })
  for (const kind of ['drop', 'connect', 'bad id', 'error', 'announce', 'announce with peers', 'scrape']) assert.ok((seen[kind] ?? 0) > 50, JSON.stringify(seen))
})
