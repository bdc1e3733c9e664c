import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { ClientError } from '../../../lib/bittorrent/client-error.ts'
import {
  PEERS_MAX_V4, PEERS_MAX_V6, parseAnnounce, parseScrape, readAction, readTransactionId, writeAnnounce, writeError, writeScrape
} from '../../../lib/udp/protocol.ts'
import { EVENT_COMPLETED, EVENT_NONE, EVENT_STARTED, EVENT_STOPPED } from '../../../lib/store/peer-store.ts'
import { announcePacket, scrapePacket } from '../../helpers/udp.ts'

const runs = { numRuns: 400, seed: 20261201 }
const bytes = (n: number): fc.Arbitrary<Buffer> => fc.uint8Array({ minLength: n, maxLength: n }).map(a => Buffer.from(a))
const counter = fc.bigInt({ min: 0n, max: 2n ** 53n - 1n })
const BEP15_EVENTS = [EVENT_NONE, EVENT_COMPLETED, EVENT_STARTED, EVENT_STOPPED]

test('parseAnnounce reads back every field a client writes (BEP 15 layout, options after the body)', () => {
  fc.assert(fc.property(
    fc.record({
      transactionId: fc.nat({ max: 0xffffffff }),
      infoHash: bytes(20),
      peerId: bytes(20),
      downloaded: counter,
      left: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      uploaded: counter,
      event: fc.integer({ min: 0, max: 3 }),
      key: fc.nat({ max: 0xffffffff }),
      numwant: fc.integer({ min: -2147483648, max: 2147483647 }),
      port: fc.integer({ min: 1, max: 65535 }),
      options: fc.option(fc.uint8Array({ maxLength: 40 }).map(a => Buffer.from(a)), { nil: undefined })
    }),
    fc.boolean(),
    (a, v4) => {
      const source = v4 ? Buffer.from([192, 0, 2, 7]) : Buffer.from('20010db8000000000000000000000007', 'hex')
      const packet = announcePacket({ ...a, connectionId: Buffer.alloc(8, 1), ip: 0x0a000001 })
      const limits = { numwantDefault: 50, numwantMax: 200, allowIpParam: false }
      const r = parseAnnounce(packet, source, limits)
      assert.deepEqual(r.infoHash, a.infoHash)
      assert.deepEqual(r.peerId, a.peerId)
      assert.deepEqual(r.endpoint, Buffer.concat([source, Buffer.from([a.port >> 8, a.port & 255])]), 'the claimed ip is ignored')
      assert.equal(r.uploaded, Number(a.uploaded))
      assert.equal(r.downloaded, Number(a.downloaded))
      assert.equal(r.left, Math.min(Number(a.left), Number.MAX_SAFE_INTEGER))
      assert.equal(r.event, BEP15_EVENTS[a.event])
      assert.equal(r.key, a.key | 0)
      const cap = Math.min(200, v4 ? PEERS_MAX_V4 : PEERS_MAX_V6)
      assert.equal(r.numwant, a.numwant < 0 ? Math.min(50, cap) : Math.min(a.numwant, cap))
      assert.equal(readAction(packet), 1)
      assert.equal(readTransactionId(packet), a.transactionId)
    }
  ), runs)
})

test('parseAnnounce refuses, with a ClientError, exactly the announces that break a rule', () => {
  fc.assert(fc.property(
    fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 65535 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    (event, port, uploaded) => {
      const packet = announcePacket({ connectionId: Buffer.alloc(8), infoHash: Buffer.alloc(20), peerId: Buffer.alloc(20), event, port, uploaded })
      const broken = event > 3 ? 'unknown event' : port === 0 ? 'port must be between 1 and 65535' : uploaded > 2n ** 53n - 1n ? 'uploaded is too large' : null
      const parse = (): unknown => parseAnnounce(packet, Buffer.from([1, 2, 3, 4]), { numwantDefault: 5, numwantMax: 5, allowIpParam: false })
      if (broken === null) parse()
      else assert.throws(parse, (err: Error) => err instanceof ClientError && err.message === broken)
    }
  ), runs)
  for (let length = 0; length < 98; length += 7) {
    assert.throws(() => parseAnnounce(Buffer.alloc(length), Buffer.alloc(4), { numwantDefault: 5, numwantMax: 5, allowIpParam: false }), { message: 'announce packet too short' })
  }
})

test('parseScrape gives back the hashes in request order; a body not made of whole hashes is refused', () => {
  fc.assert(fc.property(fc.array(bytes(20), { minLength: 1, maxLength: 80 }), fc.nat({ max: 19 }), (hashes, extra) => {
    const packet = scrapePacket(Buffer.alloc(8), 9, hashes)
    if (hashes.length <= 74) assert.deepEqual(parseScrape(packet, 74), hashes)
    else assert.throws(() => parseScrape(packet, 74), { message: 'too many info hashes (at most 74)' })
    if (extra > 0) assert.throws(() => parseScrape(Buffer.concat([packet, Buffer.alloc(extra)]), 100), { message: 'scrape packet must carry whole 20-byte info hashes' })
  }), runs)
})

test('replies carry what they were given, counts saturating at 2^32 - 1', () => {
  const count = fc.oneof(fc.nat({ max: 0xffffffff }), fc.integer({ min: 2 ** 32, max: Number.MAX_SAFE_INTEGER }))
  const u32 = (n: number): number => Math.min(n, 0xffffffff)
  fc.assert(fc.property(
    fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }), count, count,
    fc.array(bytes(6), { maxLength: 20 }), fc.array(bytes(18), { maxLength: 20 }), fc.boolean(),
    (tx, interval, complete, incomplete, v4peers, v6peers, v4) => {
      const peers = Buffer.concat(v4peers)
      const peers6 = Buffer.concat(v6peers)
      const reply = writeAnnounce(tx, interval, { complete, incomplete, downloaded: 0, peers, peers6, peerIds: null }, v4)
      assert.deepEqual([reply.readUInt32BE(0), reply.readUInt32BE(4), reply.readUInt32BE(8), reply.readUInt32BE(12), reply.readUInt32BE(16)],
        [1, tx, interval, u32(incomplete), u32(complete)])
      assert.deepEqual(reply.subarray(20), v4 ? peers : peers6)
    }
  ), runs)
  fc.assert(fc.property(fc.nat({ max: 0xffffffff }), fc.array(fc.record({ complete: count, incomplete: count, downloaded: count }), { maxLength: 74 }), (tx, entries) => {
    const reply = writeScrape(tx, entries)
    assert.equal(reply.length, 8 + 12 * entries.length)
    assert.deepEqual([reply.readUInt32BE(0), reply.readUInt32BE(4)], [2, tx])
    entries.forEach((e, i) => {
      assert.deepEqual([reply.readUInt32BE(8 + i * 12), reply.readUInt32BE(12 + i * 12), reply.readUInt32BE(16 + i * 12)],
        [u32(e.complete), u32(e.downloaded), u32(e.incomplete)])
    })
  }), runs)
  fc.assert(fc.property(fc.nat({ max: 0xffffffff }), fc.string({ maxLength: 100 }), (tx, message) => {
    const reply = writeError(tx, message)
    assert.deepEqual([reply.readUInt32BE(0), reply.readUInt32BE(4)], [3, tx])
    assert.equal(reply.subarray(8).toString(), message)
  }), runs)
})
