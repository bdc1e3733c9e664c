import assert from 'node:assert/strict'
import { test } from 'node:test'
import { announce, compactPeers, id } from '../helpers/tracker.ts'
import { UdpTestClient, announcePacket, readAnnounceReply, scrapePacket, startUdpTracker } from '../helpers/udp.ts'

const hex = (n: number, width = 8): string => n.toString(16).padStart(width, '0')

test('UDP listens on the port and address HTTP got', async (t) => {
  const tracker = await startUdpTracker(t)
  assert.deepEqual(await tracker.app.udpAddress(), { address: '127.0.0.1', family: 'IPv4', port: tracker.port })
})

test('connect, announce and scrape over 127.0.0.1, byte for byte', async (t) => {
  const tracker = await startUdpTracker(t)
  const a = await UdpTestClient.open(t, '127.0.0.1', tracker.udpPort)
  const b = await UdpTestClient.open(t, '127.0.0.1', tracker.udpPort)
  const infoHash = id('hash')

  const connect = await a.request(Buffer.from('0000041727101980' + '00000000' + 'cafebabe', 'hex'))
  assert.equal(connect.length, 16)
  assert.equal(connect.subarray(0, 8).toString('hex'), '00000000cafebabe')
  const connectionId = connect.subarray(8)

  const first = await a.request(announcePacket({ connectionId, transactionId: 0x01020304, infoHash, peerId: id('a'), port: 6001, event: 2 }))
  assert.equal(first.toString('hex'), '00000001' + '01020304' + hex(900) + hex(1) + hex(0))

  const second = await b.announce({ transactionId: 77, infoHash, peerId: id('b'), port: 6002, event: 2 })
  assert.equal(second.toString('hex'), '00000001' + hex(77) + hex(900) + hex(2) + hex(0) + '7f000001' + hex(6001, 4))

  const seeder = readAnnounceReply(await a.announce({ infoHash, peerId: id('c'), port: 6003, left: 0n, event: 1 }))
  assert.deepEqual({ leechers: seeder.leechers, seeders: seeder.seeders }, { leechers: 2, seeders: 1 })
  assert.deepEqual(compactPeers(seeder.peers).sort(), ['127.0.0.1:6001', '127.0.0.1:6002'])

  const scrape = await a.request(scrapePacket(await a.connect(), 0xabcdef, [infoHash, id('unknown'), infoHash]))
  const counts = hex(1) + hex(1) + hex(2)
  assert.equal(scrape.toString('hex'), '00000002' + hex(0xabcdef) + counts + hex(0).repeat(3) + counts)
})

test('on :: one port serves IPv4 and IPv6; IPv6 clients get 18-byte entries, IPv4 clients 6-byte ones', async (t) => {
  const tracker = await startUdpTracker(t, {}, '::')
  assert.equal((await tracker.app.udpAddress())?.address, '::')
  const infoHash = id('hash')
  const six = await UdpTestClient.open(t, '::1', tracker.udpPort)
  const sixToo = await UdpTestClient.open(t, '::1', tracker.udpPort)
  const four = await UdpTestClient.open(t, '127.0.0.1', tracker.udpPort)

  await six.announce({ infoHash, peerId: id('six'), port: 7006 })
  await four.announce({ infoHash, peerId: id('four'), port: 7004 })
  const fromSix = await sixToo.announce({ transactionId: 66, infoHash, peerId: id('six2'), port: 7016 })
  assert.equal(fromSix.toString('hex'), '00000001' + hex(66) + hex(900) + hex(3) + hex(0) + '0'.repeat(31) + '1' + hex(7006, 4))

  const fromFour = readAnnounceReply(await four.announce({ infoHash, peerId: id('four'), port: 7004 }))
  assert.equal(fromFour.peers.length, 0, 'no IPv4 peer but itself, and IPv6 entries never go to an IPv4 client')

  // The HTTP front end on the same dual-stack port returns the UDP peers of both families.
  const http = await announce(tracker, { infoHash, peerId: id('http'), port: 7100, numwant: 10 })
  assert.deepEqual(compactPeers(http.peers), ['127.0.0.1:7004'])
  assert.equal(compactPeers(http.peers6, 18).length, 2)
})

test('HTTP and UDP peers see each other and share the counts', async (t) => {
  const tracker = await startUdpTracker(t)
  const infoHash = id('hash')
  const udp = await UdpTestClient.open(t, '127.0.0.1', tracker.udpPort)

  await announce(tracker, { infoHash, peerId: id('http'), port: 7001, event: 'started' })
  const fromUdp = readAnnounceReply(await udp.announce({ infoHash, peerId: id('udp'), port: 7002, left: 0n, event: 1 }))
  assert.deepEqual(compactPeers(fromUdp.peers), ['127.0.0.1:7001'])
  assert.deepEqual({ leechers: fromUdp.leechers, seeders: fromUdp.seeders }, { leechers: 1, seeders: 1 })

  const fromHttp = await announce(tracker, { infoHash, peerId: id('http'), port: 7001 })
  assert.deepEqual(compactPeers(fromHttp.peers), ['127.0.0.1:7002'])
  assert.equal(fromHttp.downloaded, 1, 'the completed event sent over UDP counts for HTTP too')
  assert.equal(fromHttp.complete, 1)
})

test('numwant is capped so every reply fits one unfragmented datagram', async (t) => {
  for (const [env, v4, v6] of [[{}, 200, 67], [{ TRACKER_NUMWANT_MAX: '1000' }, 202, 67]] as const) {
    const tracker = await startUdpTracker(t, env, '::')
    const infoHash = id('hash')
    for (let i = 0; i < 400; i++) {
      const address = i < 300 ? [10, 0, i >> 8, i & 255] : [0x20, 1, 0x0d, 0xb8, ...Array<number>(11).fill(0), i & 255]
      await tracker.app.peers.announce({
        infoHash, peerId: id('p'), endpoint: Buffer.from([...address, 0x1a, 0xe1]), uploaded: 0, downloaded: 0, left: 1, event: 2, numwant: 0, key: 0, wantPeerIds: false, wantOtherFamily: false
      })
    }
    const four = await UdpTestClient.open(t, '127.0.0.1', tracker.udpPort)
    const six = await UdpTestClient.open(t, '::1', tracker.udpPort)
    const reply4 = await four.announce({ infoHash, peerId: id('four'), port: 7004, numwant: 5000 })
    assert.equal(reply4.length, 20 + v4 * 6, `${JSON.stringify(env)}: ${v4} IPv4 peers`)
    const reply6 = await six.announce({ infoHash, peerId: id('six'), port: 7006, numwant: 5000 })
    assert.equal(reply6.length, 20 + v6 * 18, `${JSON.stringify(env)}: ${v6} IPv6 peers`)
    assert.ok(reply4.length <= 1232 && reply6.length <= 1232)
  }
})

test('/stats counts UDP and HTTP requests apart', async (t) => {
  const tracker = await startUdpTracker(t)
  const udp = await UdpTestClient.open(t, '127.0.0.1', tracker.udpPort)
  const infoHash = id('hash')
  await udp.announce({ infoHash, peerId: id('u'), port: 7002 })
  await udp.request(scrapePacket(await udp.connect(), 1, [infoHash]))
  await announce(tracker, { infoHash, peerId: id('h'), port: 7001 })
  const stats = (await tracker.app.inject('/stats')).json<{ requests: Record<string, Record<string, number>> }>()
  assert.deepEqual(stats.requests.udp, { connect: 2, announce: 1, scrape: 1, announceFailure: 0, scrapeFailure: 0, error: 0, malformed: 0 })
  assert.equal(stats.requests.http.announce, 1)
})
