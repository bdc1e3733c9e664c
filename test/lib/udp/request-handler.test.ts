import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConnectionIds } from '../../../lib/udp/connection-id.ts'
import type { AnnounceRequest, AnnounceResult, PeerStore, ScrapeEntry } from '../../../lib/store/peer-store.ts'
import { FailureReasons } from '../../../lib/dashboard/failure-reasons.ts'
import { UdpRequestHandler, type UdpCounters } from '../../../lib/udp/request-handler.ts'
import { announcePacket, connectPacket, scrapePacket } from '../../helpers/udp.ts'

/** A store that records what reaches it. */
function spyStore (fail = false): { store: PeerStore, announces: AnnounceRequest[], scrapes: Buffer[][] } {
  const announces: AnnounceRequest[] = []
  const scrapes: Buffer[][] = []
  const unused = (): never => { throw new Error('not used') }
  const store: PeerStore = {
    announce: (r): AnnounceResult => {
      if (fail) throw new Error('disk on fire')
      announces.push(r)
      return { complete: 1, incomplete: 2, downloaded: 0, peers: Buffer.from('0a0000011ae1', 'hex'), peers6: Buffer.alloc(18, 1), peerIds: null }
    },
    scrape: (hashes): ScrapeEntry[] => {
      scrapes.push(hashes)
      return hashes.map(() => ({ complete: 1, incomplete: 1, downloaded: 1 }))
    },
    setInfo: unused,
    remove: unused,
    complete: unused,
    totals: unused,
    list: unused,
    snapshot: unused,
    restore: unused,
    clear: unused
  }
  return { store, announces, scrapes }
}

/** The same store answering through promises, as a store shared between processes would. */
function later (store: PeerStore): PeerStore {
  return { ...store, announce: async r => await store.announce(r), scrape: async h => await store.scrape(h) }
}

function setup (fail = false, wrap = (s: PeerStore): PeerStore => s): { handler: UdpRequestHandler, counters: UdpCounters, errors: unknown[] } & ReturnType<typeof spyStore> {
  const spy = spyStore(fail)
  const counters: UdpCounters = { connect: 0, announce: 0, scrape: 0, announceFailure: 0, scrapeFailure: 0, error: 0, malformed: 0 }
  const errors: unknown[] = []
  const handler = new UdpRequestHandler({
    store: wrap(spy.store),
    ids: new ConnectionIds(),
    limits: { numwantDefault: 50, numwantMax: 200, allowIpParam: false },
    interval: 900,
    scrapeMax: 64,
    counters,
    onError: err => errors.push(err)
  })
  return { handler, counters, errors, ...spy }
}

const infoHash = Buffer.alloc(20, 0xab)
const peerId = Buffer.alloc(20, 0xcd)

async function connectionId (handler: UdpRequestHandler, host: string, port: number): Promise<Buffer> {
  const reply = await handler.handle(connectPacket(1), host, port)
  assert.ok(reply !== null)
  return reply.subarray(8, 16)
}

test('before an id proves the address, no reply is larger than its request and nothing reaches the store', async () => {
  const { handler, counters, announces, scrapes } = setup()
  assert.equal((await handler.handle(connectPacket(1), '127.0.0.1', 5000))?.length, 16)

  const forged = announcePacket({ connectionId: Buffer.alloc(8, 7), transactionId: 42, infoHash, peerId, port: 6881 })
  const reply = await handler.handle(forged, '127.0.0.1', 5000)
  assert.equal(reply?.toString('hex'), '00000003' + '0000002a' + Buffer.from('bad connection id').toString('hex'))
  assert.ok(reply !== null && reply.length <= forged.length)

  // An empty scrape is 16 bytes: too small to be answered with a 25-byte error.
  assert.equal(await handler.handle(scrapePacket(Buffer.alloc(8, 7), 1, []), '127.0.0.1', 5000), null)
  assert.equal(announces.length + scrapes.length, 0)
  assert.deepEqual(counters, { connect: 1, announce: 1, scrape: 1, announceFailure: 1, scrapeFailure: 1, error: 1, malformed: 0 })
})

test('an id only works from the address and port it was issued to', async () => {
  const { handler, announces } = setup()
  const id = await connectionId(handler, '127.0.0.1', 5000)
  const packet = announcePacket({ connectionId: id, infoHash, peerId, port: 6881 })
  assert.equal((await handler.handle(packet, '127.0.0.2', 5000))?.readUInt32BE(0), 3)
  assert.equal((await handler.handle(packet, '127.0.0.1', 5001))?.readUInt32BE(0), 3)
  assert.equal(announces.length, 0)
  assert.equal((await handler.handle(packet, '127.0.0.1', 5000))?.readUInt32BE(0), 1)
  assert.equal(announces.length, 1)
})

test('packets that are not requests are dropped and counted', async () => {
  const { handler, counters } = setup()
  const id = await connectionId(handler, '127.0.0.1', 5000)
  const unknown = scrapePacket(id, 1, [infoHash])
  unknown.writeUInt32BE(9, 8)
  const badMagic = connectPacket(1)
  badMagic[0] = 1
  for (const packet of [Buffer.alloc(0), Buffer.alloc(15), unknown, badMagic, Buffer.alloc(2000)]) {
    assert.equal(await handler.handle(packet, '127.0.0.1', 5000), null)
  }
  assert.equal(counters.malformed, 5)
})

test('a proven client is told what is wrong with a truncated or refused request', async () => {
  const { handler, counters, announces } = setup()
  const id = await connectionId(handler, '127.0.0.1', 5000)
  const short = announcePacket({ connectionId: id, infoHash, peerId, port: 6881 }).subarray(0, 60)
  assert.match((await handler.handle(short, '127.0.0.1', 5000))?.subarray(8).toString() ?? '', /too short/)
  const zeroPort = announcePacket({ connectionId: id, infoHash, peerId, port: 0 })
  assert.match((await handler.handle(zeroPort, '127.0.0.1', 5000))?.subarray(8).toString() ?? '', /port/)
  const ragged = Buffer.concat([scrapePacket(id, 1, [infoHash]), Buffer.alloc(3)])
  assert.equal((await handler.handle(ragged, '127.0.0.1', 5000))?.readUInt32BE(0), 3)
  assert.equal(announces.length, 0)
  assert.deepEqual(counters, { connect: 1, announce: 2, scrape: 1, announceFailure: 2, scrapeFailure: 1, error: 3, malformed: 2 })
})

test('an IPv4-mapped source is an IPv4 client: 6-byte entries', async () => {
  const { handler, announces } = setup()
  const host = '::ffff:127.0.0.1'
  const id = await connectionId(handler, host, 5000)
  const reply = await handler.handle(announcePacket({ connectionId: id, infoHash, peerId, port: 6881 }), host, 5000)
  assert.equal(reply?.subarray(20).toString('hex'), '0a0000011ae1')
  assert.equal(announces[0].endpoint.toString('hex'), '7f0000011ae1')
  const six = await connectionId(handler, '::1', 5000)
  const reply6 = await handler.handle(announcePacket({ connectionId: six, infoHash, peerId, port: 6881 }), '::1', 5000)
  assert.equal(reply6?.length, 20 + 18)
})

test('a failure of ours is logged and answered without its details', async () => {
  const { handler, errors, counters } = setup(true)
  const id = await connectionId(handler, '127.0.0.1', 5000)
  const reply = await handler.handle(announcePacket({ connectionId: id, infoHash, peerId, port: 6881 }), '127.0.0.1', 5000)
  assert.equal(reply?.subarray(8).toString(), 'internal error')
  assert.equal(errors.length, 1)
  assert.equal(counters.error, 1)
})

test('a store answering through promises gets the same replies, and its failures the same error', async () => {
  const { handler, announces } = setup(false, later)
  const id = await connectionId(handler, '127.0.0.1', 5000)
  const pending = handler.handle(announcePacket({ connectionId: id, infoHash, peerId, port: 6881 }), '127.0.0.1', 5000)
  assert.ok(pending instanceof Promise)
  assert.equal((await pending)?.subarray(20).toString('hex'), '0a0000011ae1')
  assert.equal(announces.length, 1)
  const scraped = await handler.handle(scrapePacket(id, 3, [infoHash]), '127.0.0.1', 5000)
  assert.equal(scraped?.length, 8 + 12)

  const failing = setup(true, later)
  const failingId = await connectionId(failing.handler, '127.0.0.1', 5000)
  const reply = await failing.handler.handle(announcePacket({ connectionId: failingId, infoHash, peerId, port: 6881 }), '127.0.0.1', 5000)
  assert.equal(reply?.subarray(8).toString(), 'internal error')
  assert.equal(failing.errors.length, 1)
  assert.equal(failing.counters.announceFailure, 1)
})

test('scrape answers each hash in order, capped at the smaller of the setting and 74', async () => {
  const { handler, scrapes } = setup()
  const id = await connectionId(handler, '127.0.0.1', 5000)
  const hashes = Array.from({ length: 64 }, (_, i) => Buffer.alloc(20, i))
  const reply = await handler.handle(scrapePacket(id, 3, hashes), '127.0.0.1', 5000)
  assert.equal(reply?.length, 8 + 64 * 12)
  assert.deepEqual(scrapes[0], hashes)
  const tooMany = await handler.handle(scrapePacket(id, 3, [...hashes, infoHash]), '127.0.0.1', 5000)
  assert.match(tooMany?.subarray(8).toString() ?? '', /at most 64/)
})

test('refusals are counted by the reason sent, failures of ours as an internal error', async () => {
  for (const fail of [false, true]) {
    const reasons = new FailureReasons()
    const spy = spyStore(fail)
    const handler = new UdpRequestHandler({
      store: spy.store,
      ids: new ConnectionIds(),
      limits: { numwantDefault: 50, numwantMax: 200, allowIpParam: false },
      interval: 900,
      scrapeMax: 64,
      counters: { connect: 0, announce: 0, scrape: 0, announceFailure: 0, scrapeFailure: 0, error: 0, malformed: 0 },
      onError: () => {},
      reasons
    })
    await handler.handle(announcePacket({ connectionId: Buffer.alloc(8, 7), infoHash, peerId, port: 6881 }), '127.0.0.1', 5000)
    const id = await connectionId(handler, '127.0.0.1', 5000)
    await handler.handle(announcePacket({ connectionId: id, infoHash, peerId, port: 0 }), '127.0.0.1', 5000)
    await handler.handle(announcePacket({ connectionId: id, infoHash, peerId, port: 6881 }), '127.0.0.1', 5000)
    assert.deepEqual(reasons.top(5), [
      { reason: 'bad connection id', count: 1 },
      ...(fail ? [{ reason: 'internal error', count: 1 }] : []),
      { reason: 'port must be between 1 and 65535', count: 1 }
    ], fail ? 'with a failing store' : 'with a working store')
  }
})
