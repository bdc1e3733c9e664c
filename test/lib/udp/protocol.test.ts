import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ClientError } from '../../../lib/bittorrent/client-error.ts'
import { EVENT_COMPLETED, EVENT_NONE, EVENT_STARTED, EVENT_STOPPED } from '../../../lib/store/peer-store.ts'
import {
  MalformedPacketError, PACKET_MAX, PEERS_MAX_V4, PEERS_MAX_V6, REPLY_PAYLOAD_MAX, isConnectRequest, parseAnnounce,
  parseScrape, readAction, readTransactionId, writeAnnounce, writeConnect, writeError, writeScrape
} from '../../../lib/udp/protocol.ts'
import { announcePacket, connectPacket, scrapePacket } from '../../helpers/udp.ts'

const limits = { numwantDefault: 50, numwantMax: 200, allowIpParam: false }
const v4 = Buffer.from([10, 1, 2, 3])
const v6 = Buffer.from('20010db8000000000000000000000001', 'hex')
const infoHash = Buffer.alloc(20, 0xab)
const peerId = Buffer.alloc(20, 0xcd)
const connectionId = Buffer.from('0102030405060708', 'hex')

function announce (fields: Partial<Parameters<typeof announcePacket>[0]> = {}): Buffer {
  return announcePacket({ connectionId, infoHash, peerId, port: 6881, ...fields })
}

test('peer caps fill one unfragmented datagram and no more', () => {
  assert.equal(PEERS_MAX_V4, 202)
  assert.equal(PEERS_MAX_V6, 67)
  assert.ok(20 + PEERS_MAX_V4 * 6 <= REPLY_PAYLOAD_MAX && 20 + (PEERS_MAX_V4 + 1) * 6 > REPLY_PAYLOAD_MAX)
  assert.ok(20 + PEERS_MAX_V6 * 18 <= REPLY_PAYLOAD_MAX && 20 + (PEERS_MAX_V6 + 1) * 18 > REPLY_PAYLOAD_MAX)
  assert.equal(PACKET_MAX, 16 + 74 * 20)
})

test('the connect request is recognised by its magic number', () => {
  const packet = connectPacket(0xdeadbeef)
  assert.ok(isConnectRequest(packet))
  assert.equal(readAction(packet), 0)
  assert.equal(readTransactionId(packet), 0xdeadbeef)
  packet[7] ^= 1
  assert.equal(isConnectRequest(packet), false)
})

test('an announce is read field by field into the shared request shape', () => {
  const r = parseAnnounce(announce({
    downloaded: 5_000_000_000n, left: 123n, uploaded: 7n, event: 2, key: 0xfffffffe, numwant: 30
  }), v4, limits)
  assert.deepEqual(r.infoHash, infoHash)
  assert.deepEqual(r.peerId, peerId)
  assert.equal(r.endpoint.toString('hex'), '0a0102031ae1')
  assert.equal(r.downloaded, 5_000_000_000)
  assert.equal(r.left, 123)
  assert.equal(r.uploaded, 7)
  assert.equal(r.event, EVENT_STARTED)
  assert.equal(r.key, -2, 'the key is kept as the signed 32-bit value the peer table stores')
  assert.equal(r.numwant, 30)
  assert.equal(r.wantPeerIds, false)
  assert.equal(r.wantOtherFamily, false, 'BEP 15 replies carry one family')
})

test('BEP 15 event numbers map to ours; an unknown event is refused', () => {
  const seen = [0, 1, 2, 3].map(event => parseAnnounce(announce({ event }), v4, limits).event)
  assert.deepEqual(seen, [EVENT_NONE, EVENT_COMPLETED, EVENT_STARTED, EVENT_STOPPED])
  assert.throws(() => parseAnnounce(announce({ event: 4 }), v4, limits), ClientError)
})

test('numwant: negative asks for the default, and the cap is the family\'s datagram limit', () => {
  assert.equal(parseAnnounce(announce({ numwant: -1 }), v4, limits).numwant, 50)
  assert.equal(parseAnnounce(announce({ numwant: 1000 }), v4, limits).numwant, 200)
  assert.equal(parseAnnounce(announce({ numwant: 1000 }), v4, { ...limits, numwantMax: 5000 }).numwant, 202)
  assert.equal(parseAnnounce(announce({ numwant: 1000 }), v6, limits).numwant, 67)
  assert.equal(parseAnnounce(announce({ numwant: -1 }), v6, { ...limits, numwantDefault: 100 }).numwant, 67)
})

test('an IPv6 source gives an 18-byte endpoint', () => {
  assert.equal(parseAnnounce(announce(), v6, limits).endpoint.toString('hex'), v6.toString('hex') + '1ae1')
})

test('the ip field is ignored unless the operator allows it', () => {
  const packet = announce({ ip: 0xc0a80001 })
  assert.equal(parseAnnounce(packet, v4, limits).endpoint.toString('hex'), '0a0102031ae1')
  assert.equal(parseAnnounce(packet, v4, { ...limits, allowIpParam: true }).endpoint.toString('hex'), 'c0a800011ae1')
  assert.equal(parseAnnounce(announce(), v4, { ...limits, allowIpParam: true }).endpoint.toString('hex'), '0a0102031ae1', '0 means the source')
})

test('BEP 41 options after the body are accepted and skipped', () => {
  const options = Buffer.concat([Buffer.from([2, 9]), Buffer.from('/announce'), Buffer.from([1, 0])])
  const r = parseAnnounce(announce({ options, numwant: 10 }), v4, limits)
  assert.equal(r.numwant, 10)
  assert.equal(r.endpoint.toString('hex'), '0a0102031ae1')
})

test('left unknown (all ones) means a leecher; huge transfer counters are refused', () => {
  assert.equal(parseAnnounce(announce({ left: 0xffffffffffffffffn }), v4, limits).left, Number.MAX_SAFE_INTEGER)
  assert.throws(() => parseAnnounce(announce({ uploaded: 2n ** 60n }), v4, limits), /uploaded is too large/)
  assert.throws(() => parseAnnounce(announce({ downloaded: 2n ** 60n }), v4, limits), /downloaded is too large/)
})

test('a truncated announce is malformed; port 0 is a refused value', () => {
  assert.throws(() => parseAnnounce(announce().subarray(0, 97), v4, limits), MalformedPacketError)
  const zero = announce({ port: 0 })
  assert.throws(() => parseAnnounce(zero, v4, limits), (err: Error) => err instanceof ClientError && !(err instanceof MalformedPacketError))
})

test('a scrape lists its hashes in order, within the cap and whole', () => {
  const hashes = [Buffer.alloc(20, 1), Buffer.alloc(20, 2), Buffer.alloc(20, 1)]
  assert.deepEqual(parseScrape(scrapePacket(connectionId, 9, hashes), 74), hashes)
  assert.throws(() => parseScrape(scrapePacket(connectionId, 9, hashes), 2), /too many info hashes \(at most 2\)/)
  assert.throws(() => parseScrape(scrapePacket(connectionId, 9, []), 74), MalformedPacketError)
  assert.throws(() => parseScrape(scrapePacket(connectionId, 9, [Buffer.alloc(19)]), 74), MalformedPacketError)
})

test('replies are written byte for byte', () => {
  const connect = writeConnect(0x01020304)
  connect.fill(0xee, 8)
  assert.equal(connect.toString('hex'), '0000000001020304eeeeeeeeeeeeeeee')

  const result = { complete: 3, incomplete: 4, downloaded: 9, peers: Buffer.from('7f0000011ae1', 'hex'), peers6: Buffer.alloc(18, 6), peerIds: null }
  assert.equal(writeAnnounce(7, 900, result, true).toString('hex'), '00000001' + '00000007' + '00000384' + '00000004' + '00000003' + '7f0000011ae1')
  assert.equal(writeAnnounce(7, 900, result, false).toString('hex'), '00000001000000070000038400000004' + '00000003' + '06'.repeat(18))
  assert.equal(writeAnnounce(7, 900, { ...result, peers: Buffer.alloc(0) }, true).length, 20)

  const scrape = writeScrape(8, [{ complete: 1, incomplete: 2, downloaded: 3 }, { complete: 4, incomplete: 5, downloaded: 6 }])
  assert.equal(scrape.toString('hex'), '00000002' + '00000008' + '000000010000000300000002' + '000000040000000600000005')

  assert.equal(writeError(5, 'no').toString('hex'), '00000003' + '00000005' + '6e6f')
})

test('counts beyond 32 bits are held at the maximum rather than wrapped', () => {
  const scrape = writeScrape(1, [{ complete: 2 ** 33, incomplete: 0, downloaded: 0 }])
  assert.equal(scrape.readUInt32BE(8), 0xffffffff)
})
