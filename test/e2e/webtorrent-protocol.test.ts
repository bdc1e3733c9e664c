import assert from 'node:assert/strict'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import Client, { Server, type ScrapeEvent, type UpdateEvent } from 'bittorrent-tracker'
import { startTracker } from '../helpers/tracker.ts'
import { binaryId, WsTestClient, type Frame } from '../helpers/ws-client.ts'

// bittorrent-tracker's Client makes WebRTC offers with simple-peer, which needs a WebRTC
// implementation Node lacks (and none installs here without downloading a native library).
// So the Client itself announces and scrapes with numwant 0 (no offers to make), and the offer
// and answer relay is driven with the exact frames lib/client/websocket-tracker.js sends,
// against our tracker and bittorrent-tracker's own server alike.

const hexHash = 'c0ffee00'.repeat(5)
/** Tells the Client WebRTC exists so it uses ws:// trackers; with numwant 0 it never makes a peer connection. */
const noWebRtc = {}

test('bittorrent-tracker\'s Client announces and scrapes over ws://: two clients see each other in the counts', { timeout: 15_000 }, async (t) => {
  const tracker = await startTracker(t)
  const announce = `ws://127.0.0.1:${tracker.port}/announce`
  const clients = ['-WW0100-aaaaaaaaaaaa', '-WW0100-bbbbbbbbbbbb'].map(peerId => {
    const c = new Client({ infoHash: hexHash, peerId: Buffer.from(peerId), announce, port: 6881, getAnnounceOpts: () => ({ numwant: 0, left: 10 }), wrtc: noWebRtc })
    c.on('warning', (err: Error) => assert.fail(err))
    c.on('error', (err: Error) => assert.fail(err))
    t.after(() => c.destroy())
    return c
  })
  const first = once(clients[0], 'update') as Promise<[UpdateEvent]>
  clients[0].start()
  assert.equal((await first)[0].incomplete, 1)
  const second = once(clients[1], 'update') as Promise<[UpdateEvent]>
  clients[1].start()
  const [update] = await second
  assert.deepEqual([update.announce, update.complete, update.incomplete], [announce, 0, 2])

  const scraped = once(clients[0], 'scrape') as Promise<[ScrapeEvent]>
  clients[0].scrape()
  const [scrape] = await scraped
  assert.deepEqual([scrape.infoHash, scrape.complete, scrape.incomplete], [hexHash, 0, 2])
})

/** Two peers meet as two WebTorrent clients do; returns what each saw, in order. */
async function meet (url: string): Promise<Frame[]> {
  const infoHash = Buffer.from(hexHash, 'hex').toString('latin1')
  const a = await WsTestClient.open(url)
  const b = await WsTestClient.open(url)
  const seen: Frame[] = []
  // websocket-tracker.js announce(): the client's options, then action, info_hash, peer_id; numwant and offers.
  a.send({ numwant: 0, uploaded: 0, downloaded: 0, left: 10, event: 'started', action: 'announce', info_hash: infoHash, peer_id: binaryId('-WW0100-a'), offers: [] })
  seen.push(await a.next())
  const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' }
  b.send({ numwant: 1, uploaded: 0, downloaded: 0, left: 10, event: 'started', action: 'announce', info_hash: infoHash, peer_id: binaryId('-WW0100-b'), offers: [{ offer, offer_id: binaryId('offer-1') }] })
  seen.push(await b.next())
  const relayed = await a.next()
  seen.push(relayed)
  // _onAnnounceResponse: the answer to a remote offer.
  a.send({ action: 'announce', info_hash: infoHash, peer_id: binaryId('-WW0100-a'), to_peer_id: relayed.peer_id, answer: { type: 'answer', sdp: 'v=0\r\n' }, offer_id: relayed.offer_id })
  seen.push(await b.next())
  b.send({ action: 'scrape', info_hash: [infoHash] })
  seen.push(await b.next())
  b.send({ numwant: 0, uploaded: 0, downloaded: 10, left: 10, event: 'stopped', action: 'announce', info_hash: infoHash, peer_id: binaryId('-WW0100-b') })
  seen.push(await b.next())
  a.close()
  b.close()
  await Promise.all([a.closed, b.closed])
  return seen
}

test('offer and answer relay: our tracker answers the frames WebTorrent sends as bittorrent-tracker\'s server does', { timeout: 15_000 }, async (t) => {
  const reference = new Server({ http: false, udp: false, ws: true, stats: false, interval: 600_000 })
  reference.listen(0, { http: '127.0.0.1', udp: '127.0.0.1', udp6: '::1' })
  await once(reference, 'listening')
  t.after(() => new Promise<void>(resolve => reference.close(resolve)))
  const referencePort = (reference.http?.address() as AddressInfo).port

  const tracker = await startTracker(t, { TRACKER_ANNOUNCE_INTERVAL: '600', TRACKER_MIN_INTERVAL: '600' })
  const ours = await meet(`ws://127.0.0.1:${tracker.port}/announce`)
  const theirs = await meet(`ws://127.0.0.1:${referencePort}`)
  assert.deepEqual(ours, theirs)
  // And what was seen is the relay: the offer reached A from B, the answer reached B from A.
  assert.equal(ours[2].offer_id, binaryId('offer-1'))
  assert.equal(ours[2].peer_id, binaryId('-WW0100-b'))
  assert.deepEqual(ours[3].answer, { type: 'answer', sdp: 'v=0\r\n' })
  assert.equal(ours[3].peer_id, binaryId('-WW0100-a'))
  assert.deepEqual([ours[5].complete, ours[5].incomplete], [0, 1])
})
