import assert from 'node:assert/strict'
import { createSocket } from 'node:dgram'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { compactPeers, id, startTracker } from '../helpers/tracker.ts'
import {
  UdpTestClient, announcePacket, connectPacket, readAnnounceReply, scrapePacket, startUdpTracker
} from '../helpers/udp.ts'

const errorText = (reply: Buffer | null): string => {
  assert.ok(reply !== null, 'an error reply')
  assert.equal(reply.readUInt32BE(0), 3, 'action 3: error')
  return reply.subarray(8).toString()
}

test('a forged connection id is refused and never reaches the swarm', async (t) => {
  const tracker = await startUdpTracker(t)
  const udp = await UdpTestClient.open(t, '127.0.0.1', tracker.udpPort)
  const forged = announcePacket({ connectionId: Buffer.from('0123456789abcdef', 'hex'), transactionId: 99, infoHash: id('hash'), peerId: id('p'), port: 6881 })
  const reply = await udp.request(forged)
  assert.equal(reply.readUInt32BE(4), 99, 'the transaction id is echoed')
  assert.equal(errorText(reply), 'bad connection id')
  assert.ok(reply.length < forged.length, 'smaller than the request: nothing to amplify')
  assert.equal((await tracker.app.peers.totals()).peers, 0)
})

test('a connection id expires after two minutes; a fresh one works', async (t) => {
  const tracker = await startUdpTracker(t)
  const udp = await UdpTestClient.open(t, '127.0.0.1', tracker.udpPort)
  const connectionId = await udp.connect()
  const realNow = Date.now.bind(Date)
  t.mock.method(Date, 'now', () => realNow() + 121_000)
  const stale = announcePacket({ connectionId, infoHash: id('hash'), peerId: id('p'), port: 6881 })
  assert.equal(errorText(await udp.request(stale)), 'bad connection id')
  assert.equal((await tracker.app.peers.totals()).peers, 0)
  const fresh = readAnnounceReply(await udp.announce({ infoHash: id('hash'), peerId: id('p'), port: 6881 }))
  assert.equal(fresh.action, 1)
})

test('malformed packets are dropped or answered with an error, counted, and the tracker carries on', async (t) => {
  const tracker = await startUdpTracker(t)
  const udp = await UdpTestClient.open(t, '127.0.0.1', tracker.udpPort)
  const connectionId = await udp.connect()
  const valid = announcePacket({ connectionId, infoHash: id('hash'), peerId: id('p'), port: 6881 })
  const unknownAction = Buffer.from(valid)
  unknownAction.writeUInt32BE(7, 8)
  const badMagic = connectPacket(5)
  badMagic.writeUInt32BE(0x418, 0)

  assert.equal(await udp.exchange(Buffer.alloc(0)), null, 'empty')
  assert.equal(await udp.exchange(Buffer.alloc(12, 1)), null, 'short')
  assert.equal(await udp.exchange(unknownAction), null, 'unknown action')
  assert.equal(await udp.exchange(badMagic), null, 'connect without the protocol magic')
  assert.equal(await udp.exchange(Buffer.concat([valid, Buffer.alloc(1500)])), null, 'oversized')
  assert.match(errorText(await udp.request(valid.subarray(0, 97))), /too short/, 'truncated announce')
  assert.match(errorText(await udp.request(scrapePacket(connectionId, 1, [id('hash').subarray(0, 13)]))), /whole 20-byte/, 'truncated scrape')

  assert.equal((await udp.request(valid)).readUInt32BE(0), 1, 'still serving')
  const stats = (await tracker.app.inject('/stats')).json<{ requests: { udp: Record<string, number> } }>()
  assert.equal(stats.requests.udp.malformed, 7)
  assert.equal(stats.requests.udp.error, 2)
})

test('BEP 41 options after the announce are accepted', async (t) => {
  const tracker = await startUdpTracker(t)
  const udp = await UdpTestClient.open(t, '127.0.0.1', tracker.udpPort)
  const options = Buffer.concat([Buffer.from([1, 2, 13]), Buffer.from('/announce?x=1'), Buffer.from([0])])
  const reply = readAnnounceReply(await udp.announce({ infoHash: id('hash'), peerId: id('p'), port: 6881, options }))
  assert.equal(reply.action, 1)
  assert.equal(reply.leechers, 1)
})

test('the ip field is ignored unless TRACKER_ALLOW_IP_PARAM is on', async (t) => {
  for (const [allow, expected] of [['false', '127.0.0.1:6881'], ['true', '10.9.8.7:6881']]) {
    const tracker = await startUdpTracker(t, { TRACKER_ALLOW_IP_PARAM: allow })
    const udp = await UdpTestClient.open(t, '127.0.0.1', tracker.udpPort)
    const infoHash = id('hash')
    await udp.announce({ infoHash, peerId: id('claim'), port: 6881, ip: 0x0a090807 })
    const other = readAnnounceReply(await udp.announce({ infoHash, peerId: id('other'), port: 6882 }))
    assert.deepEqual(compactPeers(other.peers), [expected], `allow=${allow}`)
  }
})

test('TRACKER_UDP_PORT=0 turns UDP off', async (t) => {
  const tracker = await startTracker(t, { TRACKER_UDP_PORT: '0' })
  assert.equal(await tracker.app.udpAddress(), null)
  const udp = await UdpTestClient.open(t, '127.0.0.1', tracker.port)
  assert.equal(await udp.exchange(connectPacket(1)), null)
})

test('TRACKER_UDP_PORT moves UDP to its own port; a port in use makes udpAddress() reject', async (t) => {
  const holder = createSocket('udp4')
  await new Promise<void>(resolve => holder.bind(0, '127.0.0.1', () => resolve()))
  t.after(() => holder.close())
  const taken = (holder.address() as AddressInfo).port
  const busy = await startTracker(t, { TRACKER_UDP_PORT: String(taken) })
  await assert.rejects(busy.app.udpAddress(), { code: 'EADDRINUSE' })

  // A port that was free a moment ago: the operating system's next ephemeral one.
  const probe = createSocket('udp4')
  await new Promise<void>(resolve => probe.bind(0, '127.0.0.1', () => resolve()))
  const free = (probe.address() as AddressInfo).port
  await new Promise<void>(resolve => probe.close(() => resolve()))
  const tracker = await startTracker(t, { TRACKER_UDP_PORT: String(free) })
  assert.equal((await tracker.app.udpAddress())?.port, free)
  const udp = await UdpTestClient.open(t, '127.0.0.1', free)
  assert.equal((await udp.connect()).length, 8)
})
