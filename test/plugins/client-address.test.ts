import assert from 'node:assert/strict'
import { test } from 'node:test'
import { announcePath, compactPeers, decode, id, startTracker, type RunningTracker } from '../helpers/tracker.ts'

/** Announces through inject (any source address, any headers) and lists the swarm as another peer sees it. */
async function recordedAddress (tracker: RunningTracker, remoteAddress: string, headers: Record<string, string>, extra = ''): Promise<string[]> {
  const infoHash = id('h')
  const res = await tracker.app.inject({ url: announcePath({ infoHash, peerId: id('p'), port: 6001, extra }), remoteAddress, headers })
  assert.equal(decode(res.rawPayload).incomplete, 1, res.body)
  const view = await tracker.app.inject({ url: announcePath({ infoHash, peerId: id('v'), port: 6002 }), remoteAddress: '127.0.0.9' })
  return compactPeers(decode(view.rawPayload).peers)
}

test('without trusted proxies, forwarding headers are ignored', async (t) => {
  const tracker = await startTracker(t)
  assert.deepEqual(await recordedAddress(tracker, '198.51.100.1', { 'x-forwarded-for': '203.0.113.5', 'x-real-ip': '203.0.113.6' }), ['198.51.100.1:6001'])
})

test('behind a trusted proxy the right-most untrusted X-Forwarded-For address is the peer', async (t) => {
  const tracker = await startTracker(t, { TRACKER_TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8' })
  // The client forged the first entry; the trusted proxy appended the real one.
  assert.deepEqual(await recordedAddress(tracker, '127.0.0.1', { 'x-forwarded-for': '1.2.3.4, 203.0.113.5' }), ['203.0.113.5:6001'])
  // A chain of trusted proxies is skipped from the right.
  assert.deepEqual(await recordedAddress(tracker, '127.0.0.1', { 'x-forwarded-for': '203.0.113.7, 10.1.1.1' }), ['203.0.113.7:6001'])
  assert.deepEqual(await recordedAddress(tracker, '127.0.0.1', { 'x-real-ip': '203.0.113.8' }), ['203.0.113.8:6001'])
  // An untrusted sender's headers are not believed.
  assert.deepEqual(await recordedAddress(tracker, '198.51.100.2', { 'x-forwarded-for': '203.0.113.9' }), ['198.51.100.2:6001'])
})

test('the ip parameter is ignored unless TRACKER_ALLOW_IP_PARAM is on', async (t) => {
  const off = await startTracker(t)
  assert.deepEqual(await recordedAddress(off, '198.51.100.3', {}, '&ip=192.0.2.44'), ['198.51.100.3:6001'])
  const on = await startTracker(t, { TRACKER_ALLOW_IP_PARAM: 'true' })
  assert.deepEqual(await recordedAddress(on, '198.51.100.3', {}, '&ip=192.0.2.44'), ['192.0.2.44:6001'])
  const bad = await on.app.inject({ url: announcePath({ infoHash: id('h'), peerId: id('p'), port: 1, extra: '&ip=not-an-ip' }) })
  assert.match(Buffer.from(decode(bad.rawPayload)['failure reason'] as Uint8Array).toString(), /ip is not an IP address/)
})
