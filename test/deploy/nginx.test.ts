import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { request } from 'node:http'
import { test } from 'node:test'
import { freePort } from '../helpers/free-port.ts'
import { nginxCheck, startNginx } from '../helpers/nginx.ts'
import { WebSocket } from 'ws'
import { binaryId, WsTestClient } from '../helpers/ws-client.ts'
import { announce, announcePath, compactPeers, decode, get, id, startTracker, type RunningTracker } from '../helpers/tracker.ts'

const example = readFileSync(new URL('../../deploy/nginx/bittorrent-tracker.conf', import.meta.url), 'utf8')

/** The example site with the test's ports; each replaced line must exist, or the test is stale. */
function siteFor (listenPort: number, trackerPort: number): string {
  const replacements: Array<[RegExp, string]> = [
    [/^ {4}listen 80;$/m, `    listen 127.0.0.1:${listenPort};`],
    [/^ {4}listen \[::\]:80;\n/m, ''],
    [/^ {4}server 127\.0\.0\.1:6969;$/m, `    server 127.0.0.1:${trackerPort};`]
  ]
  let site = example
  for (const [pattern, value] of replacements) {
    assert.match(site, pattern)
    site = site.replace(pattern, value)
  }
  return site
}

/** Peers the tracker hands a direct loopback caller, as "address:port". */
async function peersOf (tracker: RunningTracker, infoHash: Buffer): Promise<string[]> {
  const reply = await announce(tracker, { infoHash, peerId: id('viewer'), port: 6999, numwant: 50 })
  return compactPeers(reply.peers).filter(p => !p.endsWith(':6999')).sort()
}

async function send (url: string, method: string, path: string): Promise<number> {
  const { port } = new URL(url)
  return await new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, localAddress: '127.0.0.2', agent: false }, res => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')))
    req.on('error', reject)
    req.end()
  })
}

test('the example nginx site passes nginx -t as shipped', { timeout: 30_000 }, async (t) => {
  const { ok, output } = await nginxCheck(t, example)
  assert.ok(ok, output)
})

test('behind nginx: real client addresses, forged headers ignored, admin routes refused', { timeout: 60_000 }, async (t) => {
  const tracker = await startTracker(t, { TRACKER_TRUSTED_PROXIES: '127.0.0.1' })
  let connections = 0
  tracker.app.server.on('connection', () => { connections++ })
  const listenPort = await freePort('tcp')
  const nginx = await startNginx(t, siteFor(listenPort, tracker.port), listenPort)
  const infoHash = id('nginx')

  await t.test('a client from 127.0.0.2 is recorded as 127.0.0.2, not as nginx', async () => {
    const res = await get(nginx.url, announcePath({ infoHash, peerId: id('a'), port: 6001 }), { localAddress: '127.0.0.2' })
    assert.equal(res.status, 200)
    assert.equal(decode(res.body)['failure reason'], undefined)
    assert.deepEqual(await peersOf(tracker, infoHash), ['127.0.0.2:6001'])
  })

  await t.test('a forged X-Forwarded-For or X-Real-IP does not change the recorded address', async () => {
    const headers = { 'x-forwarded-for': '198.51.100.23, 127.0.0.1', 'x-real-ip': '198.51.100.24', forwarded: 'for=198.51.100.25' }
    const res = await get(nginx.url, announcePath({ infoHash, peerId: id('b'), port: 6002 }), { localAddress: '127.0.0.2', headers })
    assert.equal(res.status, 200)
    assert.deepEqual(await peersOf(tracker, infoHash), ['127.0.0.2:6001', '127.0.0.2:6002'])
  })

  await t.test('info hashes pass through byte for byte, a literal "+" included', async () => {
    const binary = Buffer.from('+a+b~c.d-e_f+\x00\xff\x20%&=\x0a', 'latin1')
    // As clients send it: unreserved characters and "+" raw, the rest percent-encoded.
    const mixed = [...binary].map(b => /[A-Za-z0-9.~_+-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : '%' + b.toString(16).padStart(2, '0')).join('')
    const path = announcePath({ infoHash: Buffer.alloc(20), peerId: id('c'), port: 6003, left: 0 }).replace(/info_hash=[^&]*/, `info_hash=${mixed}`)
    assert.equal(binary.length, 20)
    assert.equal((await get(nginx.url, path, { localAddress: '127.0.0.2' })).status, 200)
    assert.deepEqual(await peersOf(tracker, binary), ['127.0.0.2:6003'])
    const scraped = decode((await get(nginx.url, `/scrape?info_hash=${mixed}`, { localAddress: '127.0.0.2' })).body)
    assert.deepEqual(Object.values(scraped.files as object).map(f => (f as { complete: number }).complete), [1])
  })

  await t.test('admin routes are refused through nginx', async () => {
    const routes: Array<[string, string]> = [
      ['GET', '/stats'], ['GET', '/metrics'], ['GET', '/health'], ['GET', '/save_state'], ['POST', '/save_state'],
      ['POST', '/shutdown'], ['POST', '/add_torrent_info'], ['GET', '/'], ['POST', '/announce']
    ]
    const torrentsBefore = (await tracker.app.inject({ url: '/stats' })).json().totals.torrents
    for (const [method, path] of routes) {
      const status = await send(nginx.url, method, path)
      assert.ok(status === 403 || status === 404, `${method} ${path} answered ${status}`)
    }
    // Effects, not only statuses: a round trip after the refused requests, then nothing changed.
    await get(nginx.url, announcePath({ infoHash, peerId: id('after'), port: 6050 }), { localAddress: '127.0.0.2' })
    assert.equal(tracker.app.server.listening, true, 'the tracker is still running')
    assert.equal(existsSync(tracker.dataFile), false, 'no state save ran')
    assert.equal((await tracker.app.inject({ url: '/stats' })).json().totals.torrents, torrentsBefore, 'no torrent registered')
  })

  await t.test('nginx keeps its connections to the tracker open', async () => {
    const before = connections
    for (let i = 0; i < 10; i++) {
      await get(nginx.url, announcePath({ infoHash, peerId: id('k'), port: 6100 + i }), { localAddress: '127.0.0.2' })
    }
    assert.ok(connections - before <= 1, `${connections - before} new upstream connections for 10 announces`)
  })
})

test('behind nginx: a WebSocket announce, each browser counted under its own address', { timeout: 60_000 }, async (t) => {
  // One connection per address: two browsers (127.0.0.2 and .3) through one nginx are two addresses.
  const tracker = await startTracker(t, { TRACKER_TRUSTED_PROXIES: '127.0.0.1', TRACKER_WS_MAX_PER_ADDRESS: '1' })
  const listenPort = await freePort('tcp')
  await startNginx(t, siteFor(listenPort, tracker.port), listenPort)
  const url = `ws://127.0.0.1:${listenPort}/announce`
  const infoHash = binaryId('nginx-ws')
  const a = await WsTestClient.open(url, { localAddress: '127.0.0.2' })
  const b = await WsTestClient.open(url, { localAddress: '127.0.0.3' })
  t.after(() => { a.close(); b.close() })
  a.send({ action: 'announce', info_hash: infoHash, peer_id: binaryId('a'), left: 1, offers: [] })
  assert.equal((await a.next()).incomplete, 1)
  b.send({ action: 'announce', info_hash: infoHash, peer_id: binaryId('b'), left: 1, offers: [{ offer: { sdp: 'x' }, offer_id: binaryId('o') }] })
  assert.equal((await b.next()).incomplete, 2)
  assert.equal((await a.next()).offer_id, binaryId('o'), 'the offer is relayed through nginx')

  const second = new WebSocket(url, { localAddress: '127.0.0.2' })
  second.on('error', () => {})
  const status = await new Promise<number>(resolve => second.on('unexpected-response', (_req, res) => { res.resume(); resolve(res.statusCode ?? 0) }))
  assert.equal(status, 429, 'a second connection from 127.0.0.2 is over its limit')
})
