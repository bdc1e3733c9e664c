import assert from 'node:assert/strict'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import type { IncomingMessage } from 'node:http'
import { test, type TestContext } from 'node:test'
import { WebSocket } from 'ws'
import { decode, get, startTracker, type RunningTracker } from '../helpers/tracker.ts'
import { udpScrape } from '../helpers/udp-scrape.ts'
import { binaryId, WsTestClient, type Frame } from '../helpers/ws-client.ts'

function wsUrl (tracker: RunningTracker, path = '/announce'): string {
  return `ws://127.0.0.1:${tracker.port}${path}`
}

async function client (t: TestContext, tracker: RunningTracker, path?: string): Promise<WsTestClient> {
  const c = await WsTestClient.open(wsUrl(tracker, path))
  t.after(() => c.close())
  return c
}

let hashes = 0
function newHash (): string { return binaryId(`hash-${++hashes}-${process.pid}`) }

/** Announces and returns the tracker's reply. */
async function announce (c: WsTestClient, infoHash: string, peerId: string, extra: Frame = {}): Promise<Frame> {
  c.send({ action: 'announce', info_hash: infoHash, peer_id: peerId, left: 100, event: 'started', numwant: 5, offers: [], ...extra })
  return await c.next()
}

/**
 * A scrape round trip: everything the tracker sent this client before it answered arrives
 * first, so an offer that was (wrongly) relayed shows up as the frame returned here.
 */
async function scrape (c: WsTestClient, ...infoHashes: string[]): Promise<Frame> {
  c.send({ action: 'scrape', info_hash: infoHashes })
  return await c.next()
}

async function counts (c: WsTestClient, infoHash: string): Promise<{ complete: number, incomplete: number }> {
  const reply = await scrape(c, infoHash)
  assert.equal(reply.action, 'scrape')
  const files = reply.files as Record<string, { complete: number, incomplete: number }>
  return { complete: files[infoHash].complete, incomplete: files[infoHash].incomplete }
}

/** Settings for a tracker that countsBecome polls: its scrapes must not hit the message rate. */
const polling = { TRACKER_WS_MESSAGES_PER_SECOND: '1000000' }

/** Scrapes until the counts match or 5 s pass (each try a round trip): a closed peer leaves once the server sees the close. */
async function countsBecome (c: WsTestClient, infoHash: string, expected: { complete: number, incomplete: number }): Promise<void> {
  const deadline = Date.now() + 5000
  let seen = await counts(c, infoHash)
  while (Date.now() < deadline && (seen.complete !== expected.complete || seen.incomplete !== expected.incomplete)) seen = await counts(c, infoHash)
  assert.deepEqual(seen, expected)
}

function offer (n: number): Frame {
  return { offer: { type: 'offer', sdp: `v=0 offer ${n}` }, offer_id: binaryId(`offer-${n}`) }
}

test('an announce on /announce and on / is answered with the protocol fields', async (t) => {
  const tracker = await startTracker(t)
  for (const path of ['/announce', '/']) {
    const c = await client(t, tracker, path)
    const infoHash = newHash()
    const reply = await announce(c, infoHash, binaryId('peer-a'))
    assert.deepEqual(reply, { action: 'announce', interval: 180, info_hash: infoHash, complete: 0, incomplete: 1 })
  }
})

test('offers go to other peers of the swarm with the sender\'s peer id, answers back to the offerer only', async (t) => {
  const tracker = await startTracker(t)
  const infoHash = newHash()
  const a = await client(t, tracker)
  const b = await client(t, tracker)
  const bystander = await client(t, tracker)
  await announce(a, infoHash, binaryId('peer-a'))
  const reply = await announce(b, infoHash, binaryId('peer-b'), { offers: [offer(1)] })
  assert.equal(reply.incomplete, 2)

  const relayed = await a.next()
  assert.deepEqual(relayed, { action: 'announce', offer: offer(1).offer, offer_id: binaryId('offer-1'), peer_id: binaryId('peer-b'), info_hash: infoHash })

  a.send({ action: 'announce', info_hash: infoHash, peer_id: binaryId('peer-a'), to_peer_id: binaryId('peer-b'), answer: { type: 'answer', sdp: 'v=0 answer' }, offer_id: binaryId('offer-1') })
  assert.deepEqual(await b.next(), { action: 'announce', answer: { type: 'answer', sdp: 'v=0 answer' }, offer_id: binaryId('offer-1'), peer_id: binaryId('peer-a'), info_hash: infoHash })
  // No reply to the answer itself, and nothing for a peer of another torrent.
  assert.equal((await scrape(a, infoHash)).action, 'scrape')
  await announce(bystander, newHash(), binaryId('peer-c'))
  assert.equal((await scrape(bystander, infoHash)).action, 'scrape')
})

test('each offer goes to a different peer, never back to the sender', async (t) => {
  const tracker = await startTracker(t)
  const infoHash = newHash()
  const peers = [await client(t, tracker), await client(t, tracker), await client(t, tracker)]
  for (const [i, p] of peers.entries()) await announce(p, infoHash, binaryId(`leech-${i}`))
  const sender = await client(t, tracker)
  await announce(sender, infoHash, binaryId('sender'), { offers: [offer(1), offer(2), offer(3), offer(4)] })
  const ids = new Set<unknown>()
  for (const p of peers) {
    const got = await p.next()
    assert.equal(got.peer_id, binaryId('sender'))
    ids.add(got.offer_id)
    assert.equal((await scrape(p, infoHash)).action, 'scrape', 'one offer per peer')
  }
  assert.equal(ids.size, 3)
  assert.equal((await scrape(sender, infoHash)).action, 'scrape', 'no offer of its own')
})

test('a seeder\'s offers go to leechers, not to other seeders', async (t) => {
  const tracker = await startTracker(t)
  const infoHash = newHash()
  const seeder = await client(t, tracker)
  await announce(seeder, infoHash, binaryId('seed-1'), { left: 0 })
  const other = await client(t, tracker)
  const reply = await announce(other, infoHash, binaryId('seed-2'), { event: 'completed', offers: [offer(1)] })
  assert.deepEqual([reply.complete, reply.incomplete], [2, 0])
  assert.equal((await scrape(seeder, infoHash)).action, 'scrape', 'no offer from a seeder to a seeder')
  const leecher = await client(t, tracker)
  await announce(leecher, infoHash, binaryId('leech'))
  await announce(other, infoHash, binaryId('seed-2'), { left: 0, event: 'update', offers: [offer(2)] })
  assert.equal((await leecher.next()).offer_id, binaryId('offer-2'))
})

test('scrape over WebSocket, HTTP and UDP and /stats count the WebSocket peers of a torrent', async (t) => {
  const tracker = await startTracker(t)
  const infoHash = newHash()
  const other = newHash()
  const a = await client(t, tracker)
  await announce(a, infoHash, binaryId('peer-a'), { left: 0 })
  await announce(a, other, binaryId('peer-a'))
  const b = await client(t, tracker)
  await announce(b, infoHash, binaryId('peer-b'))

  const reply = await scrape(b, infoHash, other)
  assert.deepEqual(reply.files, {
    [infoHash]: { complete: 1, incomplete: 1, downloaded: 0 },
    [other]: { complete: 0, incomplete: 1, downloaded: 0 }
  })
  const raw = Buffer.from(infoHash, 'latin1')
  const http = decode((await get(tracker.url, `/scrape?info_hash=${[...raw].map(x => '%' + x.toString(16).padStart(2, '0')).join('')}`)).body)
  const entry = http.files as Map<Uint8Array, unknown> | Record<string, Record<string, number>>
  const first = Object.values(entry)[0] as Record<string, number>
  assert.deepEqual([first.complete, first.incomplete], [1, 1])
  assert.deepEqual(await udpScrape(tracker.port, raw), { seeders: 1, completed: 0, leechers: 1 })

  // A torrent /stats knows (an HTTP peer) shows its WebSocket peers too.
  await get(tracker.url, `/announce?info_hash=${[...raw].map(x => '%' + x.toString(16).padStart(2, '0')).join('')}&peer_id=-TEST-abcdefghijklmn&port=6881&left=5&compact=1`)
  const stats = JSON.parse((await get(tracker.url, `/stats?info_hash=${raw.toString('hex')}`)).body.toString()) as { torrents: Array<{ complete: number, incomplete: number }> }
  assert.deepEqual([stats.torrents[0].complete, stats.torrents[0].incomplete], [1, 2])
})

test('WebSocket peers are never handed to HTTP peers, nor HTTP peers to WebSocket peers', async (t) => {
  const tracker = await startTracker(t)
  const infoHash = newHash()
  const raw = Buffer.from(infoHash, 'latin1')
  const encoded = [...raw].map(x => '%' + x.toString(16).padStart(2, '0')).join('')
  await get(tracker.url, `/announce?info_hash=${encoded}&peer_id=-TEST-abcdefghijklmn&port=6881&left=5&compact=1`)
  const a = await client(t, tracker)
  const reply = await announce(a, infoHash, binaryId('peer-a'), { offers: [offer(1)] })
  assert.equal(reply.peers, undefined)
  const http = decode((await get(tracker.url, `/announce?info_hash=${encoded}&peer_id=-TEST-zyxwvutsrqponm&port=6882&left=5&compact=1`)).body)
  assert.equal(Buffer.from(http.peers as Uint8Array).length, 6, 'only the HTTP peer')
})

test('several torrents on one connection; stopped and close remove the peer', async (t) => {
  const tracker = await startTracker(t, polling)
  const h1 = newHash()
  const h2 = newHash()
  const a = await client(t, tracker)
  await announce(a, h1, binaryId('peer-a'))
  await announce(a, h2, binaryId('peer-a'), { left: 0 })
  const watcher = await client(t, tracker)
  assert.deepEqual(await counts(watcher, h1), { complete: 0, incomplete: 1 })
  assert.deepEqual(await counts(watcher, h2), { complete: 1, incomplete: 0 })

  const stopped = await announce(a, h1, binaryId('peer-a'), { event: 'stopped' })
  assert.deepEqual([stopped.complete, stopped.incomplete], [0, 0])
  assert.deepEqual(await counts(watcher, h2), { complete: 1, incomplete: 0 })

  a.close()
  await a.closed
  await countsBecome(watcher, h2, { complete: 0, incomplete: 0 })
})

test('bad input gets a failure frame or a close with a reason, and the connection keeps working', async (t) => {
  const tracker = await startTracker(t)
  const infoHash = newHash()
  const c = await client(t, tracker)
  c.send('{not json')
  assert.deepEqual(await c.next(), { action: 'announce', 'failure reason': 'invalid JSON' })
  c.send('[1,2]')
  assert.equal((await c.next())['failure reason'], 'a message must be a JSON object')
  c.send({ action: 'connect' })
  assert.match(String((await c.next())['failure reason']), /invalid action/)
  c.send({ action: 'announce', info_hash: 12, peer_id: binaryId('p') })
  assert.match(String((await c.next())['failure reason']), /invalid info_hash/)
  c.send({ action: 'announce', info_hash: infoHash, peer_id: 'short' })
  assert.deepEqual(await c.next(), { action: 'announce', 'failure reason': 'invalid peer_id: 20 binary characters expected', info_hash: infoHash })
  c.send({ action: 'announce', info_hash: infoHash, peer_id: binaryId('p'), offers: 'x' })
  assert.match(String((await c.next())['failure reason']), /invalid offers/)
  c.send({ action: 'announce', info_hash: infoHash, peer_id: binaryId('p'), answer: {}, to_peer_id: 3 })
  assert.match(String((await c.next())['failure reason']), /to_peer_id/)
  c.send({ action: 'announce', info_hash: '\u0100'.repeat(20), peer_id: binaryId('p') })
  assert.match(String((await c.next())['failure reason']), /invalid info_hash/)
  c.send({ action: 'scrape', info_hash: [5] })
  assert.deepEqual(await c.next(), { action: 'scrape', 'failure reason': 'invalid info_hash: 20 binary characters expected' })
  c.send({ action: 'scrape' })
  assert.match(String((await c.next())['failure reason']), /full scrape is disabled/)
  c.send('['.repeat(30_000) + ']'.repeat(30_000))
  assert.equal((await c.next())['failure reason'], 'a message must be a JSON object')
  c.send('{"action":"announce"' + ','.repeat(60_000))
  assert.equal((await c.next())['failure reason'], 'invalid JSON')
  assert.equal((await announce(c, infoHash, binaryId('p'))).incomplete, 1, 'still served')

  c.socket.send(Buffer.from([1, 2, 3]), { binary: true })
  assert.deepEqual(await c.closed, { code: 1003, reason: 'binary frames are not supported: send JSON text' })
})

test('limits: message size, offers per announce, numwant cap, messages per second', async (t) => {
  const tracker = await startTracker(t, { TRACKER_NUMWANT_MAX: '1', TRACKER_WS_MESSAGES_PER_SECOND: '3' })
  const infoHash = newHash()
  const big = await client(t, tracker)
  big.send('x'.repeat(64 * 1024 + 1))
  assert.equal((await big.closed).code, 1009)

  const c = await client(t, tracker)
  c.send({ action: 'announce', info_hash: infoHash, peer_id: binaryId('p'), offers: Array.from({ length: 11 }, (_, i) => offer(i)) })
  assert.deepEqual(await c.next(), { action: 'announce', 'failure reason': 'too many offers: at most 10 per announce', info_hash: infoHash })

  const l1 = await client(t, tracker)
  const l2 = await client(t, tracker)
  await announce(l1, infoHash, binaryId('l1'))
  await announce(l2, infoHash, binaryId('l2'))
  const sender = await client(t, tracker)
  await announce(sender, infoHash, binaryId('sender'), { offers: [offer(1), offer(2)] })
  const first = await scrape(l1, infoHash)
  const second = await scrape(l2, infoHash)
  const offered = [first, second].filter(f => f.offer !== undefined)
  assert.equal(offered.length, 1, 'TRACKER_NUMWANT_MAX=1: one offer relayed')

  const rate = await client(t, tracker)
  for (let i = 0; i < 4; i++) rate.send({ action: 'announce', info_hash: infoHash, peer_id: binaryId('rate'), left: 1 })
  for (let i = 0; i < 3; i++) assert.equal((await rate.next()).action, 'announce')
  assert.equal((await rate.next())['failure reason'], 'too many messages: at most 3 per second')
  for (let i = 0; i < 3; i++) rate.send({ action: 'scrape', info_hash: infoHash })
  assert.deepEqual(await rate.closed, { code: 1008, reason: 'too many messages' })
})

async function refusedStatus (url: string): Promise<number> {
  const ws = new WebSocket(url)
  ws.on('error', () => {})
  const [, res] = await once(ws, 'unexpected-response') as [unknown, IncomingMessage]
  res.resume()
  ws.terminate()
  return res.statusCode ?? 0
}

test('connections per address and in total are capped with an HTTP status before the upgrade', async (t) => {
  const perAddress = await startTracker(t, { TRACKER_WS_MAX_PER_ADDRESS: '2' })
  const a = await client(t, perAddress)
  await client(t, perAddress)
  assert.equal(await refusedStatus(wsUrl(perAddress)), 429)
  a.close()
  await a.closed
  // The place is given back once the server has seen the close.
  let reopened: WsTestClient | null = null
  for (let i = 0; i < 200 && reopened === null; i++) reopened = await WsTestClient.open(wsUrl(perAddress)).catch(() => null)
  assert.ok(reopened !== null)
  reopened.close()

  const total = await startTracker(t, { TRACKER_WS_MAX_CONNECTIONS: '1' })
  await client(t, total)
  assert.equal(await refusedStatus(wsUrl(total)), 503)
  assert.equal(await refusedStatus(wsUrl(total, '/other')), 404)
})

test('a connection that does not answer pings is closed', { timeout: 15_000 }, async (t) => {
  const tracker = await startTracker(t, { TRACKER_WS_PING_INTERVAL: '1', ...polling })
  const silent = await WsTestClient.open(wsUrl(tracker), { autoPong: false })
  const infoHash = newHash()
  await announce(silent, infoHash, binaryId('silent'))
  assert.equal((await silent.closed).code, 1006)
  const watcher = await client(t, tracker)
  await countsBecome(watcher, infoHash, { complete: 0, incomplete: 0 })
})

test('TRACKER_WEBSOCKET=false refuses the upgrade', async (t) => {
  const tracker = await startTracker(t, { TRACKER_WEBSOCKET: 'false' })
  const ws = new WebSocket(wsUrl(tracker))
  const [err] = await once(ws, 'error') as [Error]
  assert.match(err.message, /socket hang up|Unexpected server response/)
})

test('closing the tracker closes its WebSocket connections with a reason', async (t) => {
  const tracker = await startTracker(t)
  const c = await WsTestClient.open(wsUrl(tracker))
  await tracker.app.close()
  assert.deepEqual(await c.closed, { code: 1001, reason: 'tracker shutting down' })
})

test('a peer whose socket stays open but who stops announcing expires after the peer timeout', { timeout: 15_000 }, async (t) => {
  let now = 1_000_000
  const tracker = await startTracker(t, { TRACKER_PEER_TIMEOUT: '2', TRACKER_ANNOUNCE_INTERVAL: '1', TRACKER_MIN_INTERVAL: '1', ...polling }, '127.0.0.1', { clock: () => now })
  const quiet = await client(t, tracker)
  const infoHash = newHash()
  await announce(quiet, infoHash, binaryId('quiet'))
  const watcher = await client(t, tracker)
  assert.deepEqual(await counts(watcher, infoHash), { complete: 0, incomplete: 1 })
  now += 3
  await countsBecome(watcher, infoHash, { complete: 0, incomplete: 0 })
  assert.equal(quiet.socket.readyState, WebSocket.OPEN, 'the connection itself stays open')
})

test('/stats and /metrics show the open WebSocket connections, their peers and torrents', async (t) => {
  const tracker = await startTracker(t)
  const a = await client(t, tracker)
  await announce(a, newHash(), binaryId('a'))
  await announce(a, newHash(), binaryId('a'))
  await client(t, tracker)
  const stats = JSON.parse((await get(tracker.url, '/stats')).body.toString()) as { websocket: unknown }
  assert.deepEqual(stats.websocket, { connections: 2, peers: 2, torrents: 2 })
  const metrics = (await get(tracker.url, '/metrics')).body.toString()
  assert.match(metrics, /^tracker_websocket_connections 2$/m)
  assert.match(metrics, /^tracker_websocket_peers 2$/m)
  assert.match(metrics, /^tracker_websocket_torrents 2$/m)
})

test('a browser\'s finished download is counted once, in scrapes of every protocol, /stats and the state file', async (t) => {
  const tracker = await startTracker(t)
  const infoHash = newHash()
  const raw = Buffer.from(infoHash, 'latin1')
  const a = await client(t, tracker)
  await announce(a, infoHash, binaryId('leecher-a'))
  await announce(a, infoHash, binaryId('leecher-a'), { event: 'completed', left: 0 })
  await announce(a, infoHash, binaryId('leecher-a'), { event: 'completed', left: 0 })
  // A leecher that comes back with nothing left finished too (clients that never send `completed`).
  const b = await client(t, tracker)
  await announce(b, infoHash, binaryId('leecher-b'))
  await announce(b, infoHash, binaryId('leecher-b'), { event: 'update', left: 0 })
  // A seeder from the start downloaded nothing here.
  await announce(b, infoHash, binaryId('seeder-c'), { left: 0 })

  const reply = await scrape(b, infoHash)
  assert.deepEqual(reply.files, { [infoHash]: { complete: 3, incomplete: 0, downloaded: 2 } })
  assert.deepEqual(await udpScrape(tracker.port, raw), { seeders: 3, completed: 2, leechers: 0 })
  const stats = JSON.parse((await get(tracker.url, `/stats?info_hash=${raw.toString('hex')}`)).body.toString()) as { totals: { completed: number }, torrents: Array<{ downloaded: number, complete: number }> }
  assert.deepEqual([stats.totals.completed, stats.torrents[0].downloaded, stats.torrents[0].complete], [2, 2, 3])

  assert.equal((await get(tracker.url, '/save_state')).status, 200)
  const saved = JSON.parse(readFileSync(tracker.dataFile, 'utf8')) as { torrents: Record<string, { stats: { completed: number } }> }
  assert.equal(saved.torrents[raw.toString('hex')].stats.completed, 2)
})

test('WebSocket announces, scrapes and refusals are counted, refusals by their reason', async (t) => {
  const tracker = await startTracker(t)
  const a = await client(t, tracker)
  const hash = newHash()
  await announce(a, hash, binaryId('a'))
  await counts(a, hash)
  a.send({ action: 'announce', info_hash: 'short', peer_id: binaryId('a'), offers: [] })
  assert.ok('failure reason' in await a.next())
  const stats = JSON.parse((await get(tracker.url, '/stats')).body.toString()) as { requests: { ws: unknown } }
  assert.deepEqual(stats.requests.ws, { announce: 1, scrape: 1, failure: 1 })
  assert.equal(tracker.app.failureReasons.total, 1)
})
