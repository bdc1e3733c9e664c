import assert from 'node:assert/strict'
import { test } from 'node:test'
import { announce, get, id, startTracker } from '../helpers/tracker.ts'

const hex = 'AB'.repeat(20)

test('without a token, admin routes answer direct loopback callers only', async (t) => {
  const tracker = await startTracker(t)
  const ok = await fetch(`${tracker.url}/add_torrent_info`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ info_hash: hex, name: 'x' }) })
  assert.equal(ok.status, 200)
  // A forwarding header means the request came through a proxy, i.e. from outside.
  const proxied = await get(tracker.url, '/save_state', { headers: { 'x-forwarded-for': '203.0.113.9' } })
  assert.equal(proxied.status, 403)
  const body = JSON.parse(proxied.body.toString())
  assert.equal(body.error, 'Forbidden')
  assert.match(body.message, /loopback connections only/)
  const viaRealIp = await get(tracker.url, '/save_state', { headers: { 'x-real-ip': '203.0.113.9' } })
  assert.equal(viaRealIp.status, 403)
})

test('a non-loopback caller is refused when no token is set', async (t) => {
  const tracker = await startTracker(t)
  const res = await tracker.app.inject({ method: 'POST', url: '/shutdown', remoteAddress: '198.51.100.7' })
  assert.equal(res.statusCode, 403)
  assert.equal(tracker.app.server.listening, true, 'still running')
})

test('with TRACKER_ADMIN_TOKEN set, state-changing routes need the bearer token', async (t) => {
  const tracker = await startTracker(t, { TRACKER_ADMIN_TOKEN: 's3cret-token' })
  const post = async (auth?: string): Promise<Response> => await fetch(`${tracker.url}/add_torrent_info`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth === undefined ? {} : { authorization: auth }) },
    body: JSON.stringify({ info_hash: hex, name: 'with token' })
  })
  const missing = await post()
  assert.equal(missing.status, 401)
  assert.match((await missing.json()).message, /Bearer/)
  assert.equal((await post('Bearer wrong')).status, 401)
  assert.equal((await post('Bearer s3cret-token-and-more')).status, 401)
  assert.equal((await post('Basic s3cret-token')).status, 401)
  const ok = await post('Bearer s3cret-token')
  assert.equal(ok.status, 200)
  assert.deepEqual(await ok.json(), { status: 'added', info_hash: hex.toLowerCase(), info: { name: 'with token' } })
  // The token admits callers from anywhere, proxied ones included.
  const remote = await tracker.app.inject({ method: 'GET', url: '/save_state', remoteAddress: '198.51.100.7', headers: { authorization: 'Bearer s3cret-token' } })
  assert.equal(remote.statusCode, 200)
  assert.equal((await tracker.app.inject({ method: 'POST', url: '/shutdown', remoteAddress: '198.51.100.7' })).statusCode, 401)
})

test('/stats is public by default and follows the admin rule when TRACKER_STATS_PUBLIC=false', async (t) => {
  const open = await startTracker(t)
  assert.equal((await open.app.inject({ url: '/stats', remoteAddress: '198.51.100.7' })).statusCode, 200)
  const closed = await startTracker(t, { TRACKER_STATS_PUBLIC: 'false' })
  assert.equal((await closed.app.inject({ url: '/stats', remoteAddress: '198.51.100.7' })).statusCode, 403)
  assert.equal((await closed.app.inject({ url: '/stats' })).statusCode, 200)
})

test('add_torrent_info validates its body and says what is wrong', async (t) => {
  const tracker = await startTracker(t)
  const post = async (payload: unknown): Promise<{ status: number, body: { error: string, message: string } }> => {
    const res = await tracker.app.inject({ method: 'POST', url: '/add_torrent_info', payload: payload as object })
    return { status: res.statusCode, body: res.json() }
  }
  const bad: Array<[unknown, RegExp]> = [
    [{}, /info_hash/],
    [{ info_hash: 'abc' }, /info_hash.*pattern/],
    [{ info_hash: hex, size: -1 }, /size must be >= 0/],
    [{ info_hash: hex, size: 'big' }, /size must be integer/],
    [{ info_hash: hex, unknown: 1 }, /body has an unknown property "unknown"/]
  ]
  for (const [payload, message] of bad) {
    const res = await post(payload)
    assert.equal(res.status, 400, JSON.stringify(payload))
    assert.equal(res.body.error, 'Bad Request')
    assert.match(res.body.message, message)
  }
  const notJson = await tracker.app.inject({ method: 'POST', url: '/add_torrent_info', headers: { 'content-type': 'application/json' }, payload: '{oops' })
  assert.equal(notJson.statusCode, 400)
  assert.equal(notJson.json().error, 'Bad Request')
})

test('add_torrent_info creates, then updates, and /stats shows the metadata', async (t) => {
  const tracker = await startTracker(t)
  const info = { info_hash: hex, name: 'ubuntu.iso', size: 4_000_000_000, piece_length: 262144, comment: 'c', created_by: 'mktorrent 1.1' }
  const first = (await tracker.app.inject({ method: 'POST', url: '/add_torrent_info', payload: info })).json()
  assert.equal(first.status, 'added')
  assert.deepEqual(first.info, { name: 'ubuntu.iso', size: 4_000_000_000, piece_length: 262144, comment: 'c', created_by: 'mktorrent 1.1' })
  const second = (await tracker.app.inject({ method: 'POST', url: '/add_torrent_info', payload: { info_hash: hex, comment: 'new' } })).json()
  assert.equal(second.status, 'updated')
  assert.equal(second.info.comment, 'new')
  assert.equal(second.info.name, 'ubuntu.iso')
  const stats = (await tracker.app.inject({ url: `/stats?info_hash=${hex}` })).json()
  assert.equal(stats.torrents[0].info.size, 4_000_000_000)
})

test('/stats gives totals and paginated per-torrent figures, filterable by info_hash', async (t) => {
  const tracker = await startTracker(t)
  const hashes = Array.from({ length: 5 }, () => id('t'))
  for (const [i, h] of hashes.entries()) {
    await announce(tracker, { infoHash: h, peerId: id('s'), port: 7000 + i, left: 0, uploaded: 100 })
    await announce(tracker, { infoHash: h, peerId: id('l'), port: 7100 + i, left: 5, downloaded: 10 })
  }
  const all = (await tracker.app.inject({ url: '/stats?limit=2&offset=1' })).json()
  assert.equal(all.totals.torrents, 5)
  assert.equal(all.totals.peers, 10)
  assert.equal(all.totals.seeders, 5)
  assert.equal(all.totals.leechers, 5)
  assert.equal(all.totals.uploaded, 500)
  assert.equal(all.totals.downloaded, 50)
  assert.equal(all.totals.seeder_leecher_ratio, 1)
  assert.equal(all.total, 5)
  assert.deepEqual(all.torrents.map((x: { info_hash: string }) => x.info_hash), [hashes[1], hashes[2]].map(h => h.toString('hex')))
  assert.equal(all.requests.http.announce, 10)
  const one = (await tracker.app.inject({ url: `/stats?info_hash=${hashes[3].toString('hex')}` })).json()
  assert.equal(one.torrents.length, 1)
  assert.equal(one.torrents[0].complete, 1)
  assert.equal((await tracker.app.inject({ url: '/stats?limit=-1' })).statusCode, 400)
  assert.equal((await tracker.app.inject({ url: '/stats?info_hash=zz' })).statusCode, 400)
})

test('POST /shutdown answers, then closes the tracker', async (t) => {
  const tracker = await startTracker(t)
  const res = await fetch(`${tracker.url}/shutdown`, { method: 'POST' })
  assert.deepEqual(await res.json(), { status: 'shutting down' })
  for (let i = 0; i < 50 && tracker.app.server.listening; i++) await new Promise(resolve => setTimeout(resolve, 20))
  assert.equal(tracker.app.server.listening, false)
})
