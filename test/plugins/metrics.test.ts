import assert from 'node:assert/strict'
import { test } from 'node:test'
import { announce, get, id, startTracker, type RunningTracker } from '../helpers/tracker.ts'

/** The sample lines of a Prometheus text exposition, keyed `name{labels}` as written. */
async function scrapeMetrics (tracker: RunningTracker): Promise<{ contentType: string, samples: Map<string, number> }> {
  const res = await get(tracker.url, '/metrics')
  assert.equal(res.status, 200)
  const samples = new Map<string, number>()
  for (const line of res.body.toString().split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const at = line.lastIndexOf(' ')
    samples.set(line.slice(0, at), Number(line.slice(at + 1)))
  }
  return { contentType: String(res.headers['content-type']), samples }
}

const requests = (protocol: string, action: string, result: string): string =>
  `tracker_requests_total{protocol="${protocol}",action="${action}",result="${result}"}`

test('/metrics reports requests by action and result, swarm sizes, latency and state saving', async (t) => {
  const tracker = await startTracker(t)
  const infoHash = id('metrics')
  await announce(tracker, { infoHash, peerId: id('s'), port: 7001, left: 0, event: 'completed' })
  await announce(tracker, { infoHash, peerId: id('l'), port: 7002, left: 10 })
  const refused = await get(tracker.url, '/announce?peer_id=x')
  assert.match(refused.body.toString(), /failure reason/)
  await get(tracker.url, '/scrape')
  await get(tracker.url, `/scrape?info_hash=${'%ab'.repeat(20)}`)
  assert.equal((await fetch(`${tracker.url}/save_state`, { method: 'POST' })).status, 200)

  const { contentType, samples } = await scrapeMetrics(tracker)
  assert.match(contentType, /^text\/plain; version=0\.0\.4/)
  const expected: Record<string, number> = {
    [requests('http', 'announce', 'ok')]: 2,
    [requests('http', 'announce', 'failure')]: 1,
    [requests('http', 'scrape', 'ok')]: 1,
    [requests('http', 'scrape', 'failure')]: 1,
    [requests('udp', 'connect', 'ok')]: 0,
    'tracker_announce_duration_seconds_count{protocol="http"}': 3,
    tracker_torrents: 1,
    tracker_peers: 2,
    tracker_seeders: 1,
    tracker_leechers: 1,
    tracker_completed: 1,
    tracker_state_save_failing: 0
  }
  for (const [key, value] of Object.entries(expected)) assert.equal(samples.get(key), value, key)
  const age = samples.get('tracker_state_save_age_seconds')
  assert.ok(age !== undefined && age >= 0 && age < 10, `save age ${age}`)
  assert.ok(samples.has('tracker_state_save_duration_seconds'))
  assert.ok(samples.get('tracker_announce_duration_seconds_bucket{le="+Inf",protocol="http"}') === 3)
  for (const stat of ['mean', 'p99', 'max']) {
    const lag = samples.get(`tracker_event_loop_lag_seconds{stat="${stat}"}`)
    assert.ok(lag !== undefined && lag >= 0 && lag < 5, `event-loop lag ${stat}: ${lag}`)
  }
  assert.ok((samples.get('process_resident_memory_bytes') ?? 0) > 0)
})

test('two apps in one process keep their own metrics', async (t) => {
  const first = await startTracker(t)
  const second = await startTracker(t)
  await announce(first, { infoHash: id('one'), peerId: id('p'), port: 7003 })
  const a = await scrapeMetrics(first)
  const b = await scrapeMetrics(second)
  assert.equal(a.samples.get(requests('http', 'announce', 'ok')), 1)
  assert.equal(b.samples.get(requests('http', 'announce', 'ok')), 0)
  assert.equal(b.samples.get('tracker_torrents'), 0)
})

test('/metrics follows the /stats access rule', async (t) => {
  const open = await startTracker(t)
  assert.equal((await open.app.inject({ url: '/metrics', remoteAddress: '198.51.100.7' })).statusCode, 200)
  const closed = await startTracker(t, { TRACKER_STATS_PUBLIC: 'false', TRACKER_ADMIN_TOKEN: 'metrics-token' })
  assert.equal((await closed.app.inject({ url: '/metrics', remoteAddress: '198.51.100.7' })).statusCode, 401)
  const authorized = await closed.app.inject({ url: '/metrics', remoteAddress: '198.51.100.7', headers: { authorization: 'Bearer metrics-token' } })
  assert.equal(authorized.statusCode, 200)
  assert.match(authorized.body, /^# HELP /m)
})
