import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { announce, announcePath, get, id, startTracker, type RunningTracker } from '../helpers/tracker.ts'
import { UdpTestClient, readAnnounceReply } from '../helpers/udp.ts'
import { decode, encodeBytes } from '../helpers/tracker.ts'

const failure = (reply: Record<string, unknown>): string | undefined =>
  reply['failure reason'] === undefined ? undefined : Buffer.from(reply['failure reason'] as Uint8Array).toString()
async function admin (tracker: RunningTracker, method: string, url: string, payload?: Record<string, unknown>): Promise<{ status: number, json: Record<string, unknown> }> {
  const res = await tracker.app.inject({ method: method as 'POST', url, ...(payload === undefined ? {} : { payload }), remoteAddress: '127.0.0.1' })
  return { status: res.statusCode, json: res.json() }
}
async function member (tracker: RunningTracker, body: Record<string, unknown> = {}): Promise<{ id: string, passkey: string }> {
  const res = await admin(tracker, 'POST', '/users', body)
  assert.equal(res.status, 201)
  return { id: res.json.id as string, passkey: res.json.passkey as string }
}
async function registered (tracker: RunningTracker): Promise<Buffer> {
  const hash = randomBytes(20)
  assert.equal((await admin(tracker, 'POST', '/add_torrent_info', { info_hash: hash.toString('hex') })).status, 200)
  return hash
}
/** An announce through a passkey path: `/announce/<key>?...` or `/<key>/announce?...`. */
async function announceAs (tracker: RunningTracker, path: string, p: Parameters<typeof announcePath>[0]): Promise<Record<string, unknown>> {
  const query = announcePath(p).slice('/announce'.length)
  return decode((await get(tracker.url, path + query)).body)
}

test('private over HTTP: a member announces with its passkey, in both path forms; others are refused saying why', async (t) => {
  let now = 1_900_000_000
  const tracker = await startTracker(t, { TRACKER_ACCESS: 'private' }, '127.0.0.1', { clock: () => now })
  const hash = await registered(tracker)
  const alice = await member(tracker, { name: 'alice' })
  assert.match(alice.passkey, /^[A-Za-z0-9_-]{32}$/)
  assert.equal(failure(await announceAs(tracker, `/announce/${alice.passkey}`, { infoHash: hash, peerId: id('a'), port: 7001 })), undefined)
  const second = await announceAs(tracker, `/${alice.passkey}/announce`, { infoHash: hash, peerId: id('a'), port: 7002 })
  assert.equal(failure(second), undefined)
  assert.equal(second.incomplete, 2)
  assert.equal(failure(await announce(tracker, { infoHash: hash, peerId: id('n'), port: 7003 })), 'passkey required: announce to /announce/<your passkey>')
  assert.equal(failure(await announceAs(tracker, `/announce/${'x'.repeat(32)}`, { infoHash: hash, peerId: id('n'), port: 7004 })), 'unknown passkey')
  assert.equal(failure(await announceAs(tracker, `/announce/${alice.passkey}`, { infoHash: randomBytes(20), peerId: id('a'), port: 7005 })), 'unregistered torrent')

  const temp = await member(tracker, { expires_in: 60 })
  assert.equal(failure(await announceAs(tracker, `/announce/${temp.passkey}`, { infoHash: hash, peerId: id('t'), port: 7006 })), undefined)
  now += 60
  assert.equal(failure(await announceAs(tracker, `/announce/${temp.passkey}`, { infoHash: hash, peerId: id('t'), port: 7006 })), 'passkey expired')
  assert.deepEqual(await admin(tracker, 'DELETE', `/users/${alice.id}`), { status: 200, json: { status: 'revoked', id: alice.id } })
  assert.equal(failure(await announceAs(tracker, `/announce/${alice.passkey}`, { infoHash: hash, peerId: id('a'), port: 7007 })), 'passkey revoked')

  const bob = await member(tracker)
  const rotated = await admin(tracker, 'POST', `/users/${bob.id}/rotate`)
  assert.equal(failure(await announceAs(tracker, `/announce/${bob.passkey}`, { infoHash: hash, peerId: id('b'), port: 7008 })), 'unknown passkey')
  assert.equal(failure(await announceAs(tracker, rotated.json.announce_path as string, { infoHash: hash, peerId: id('b'), port: 7008 })), undefined)

  // Scrape: members only, through the passkey path.
  const scrape = (path: string): Promise<Record<string, unknown>> => get(tracker.url, `${path}?info_hash=${encodeBytes(hash)}`).then(r => decode(r.body))
  assert.equal(failure(await scrape('/scrape')), 'passkey required: announce to /announce/<your passkey>')
  assert.equal(failure(await scrape(`/scrape/${bob.passkey}`)), 'unknown passkey')
  assert.ok((await scrape(`${(rotated.json.announce_path as string).replace('/announce/', '/scrape/')}`)).files !== undefined)
})

test('private over UDP: the passkey comes in the BEP 41 URL data', async (t) => {
  const tracker = await startTracker(t, { TRACKER_ACCESS: 'private' })
  const hash = await registered(tracker)
  const { id: userId, passkey } = await member(tracker)
  const client = await UdpTestClient.open(t, '127.0.0.1', (await tracker.app.udpAddress())?.port ?? 0)
  const urlData = (path: string): Buffer => {
    // Split in two options, as a client may do with long URLs; then the end option.
    const bytes = Buffer.from(path)
    const half = Math.floor(bytes.length / 2)
    return Buffer.concat([Buffer.from([2, half]), bytes.subarray(0, half), Buffer.from([1, 2, bytes.length - half]), bytes.subarray(half), Buffer.from([0])])
  }
  const ok = readAnnounceReply(await client.announce({ infoHash: hash, peerId: id('u'), port: 7101, options: urlData(`/announce/${passkey}`) }))
  assert.equal(ok.action, 1)
  assert.equal(ok.leechers, 1)
  const gazelle = readAnnounceReply(await client.announce({ infoHash: hash, peerId: id('u'), port: 7102, options: urlData(`/${passkey}/announce`) }))
  assert.equal(gazelle.leechers, 2)
  const none = await client.announce({ infoHash: hash, peerId: id('u'), port: 7103 })
  assert.equal(none.subarray(8).toString(), 'passkey required: announce to /announce/<your passkey>')
  await admin(tracker, 'DELETE', `/users/${userId}`)
  const revoked = await client.announce({ infoHash: hash, peerId: id('u'), port: 7101, options: urlData(`/announce/${passkey}`) })
  assert.equal(revoked.subarray(8).toString(), 'passkey revoked')
})

test('accounting: deltas per member and per torrent across a client restart; top list; kept across a tracker restart', async (t) => {
  const first = await startTracker(t, { TRACKER_ACCESS: 'private' })
  const hash = await registered(first)
  const { id: userId, passkey } = await member(first, { name: 'carol' })
  const other = await member(first, { name: 'dave' })
  const peerId = id('c')
  const send = async (tracker: RunningTracker, uploaded: number, downloaded: number, event?: 'started' | 'completed'): Promise<void> => {
    assert.equal(failure(await announceAs(tracker, `/announce/${passkey}`, { infoHash: hash, peerId, port: 7201, uploaded, downloaded, left: event === 'completed' ? 0 : 10, ...(event === undefined ? {} : { event }) })), undefined)
  }
  await send(first, 0, 0, 'started')
  await send(first, 1000, 500)
  await send(first, 1500, 700)
  await send(first, 200, 100, 'started') // the client restarted: its totals start over
  await send(first, 300, 100, 'completed')
  const figures = (await admin(first, 'GET', `/users/${userId}`)).json
  assert.deepEqual([figures.uploaded, figures.downloaded, figures.completed], [1800, 800, 1])
  assert.deepEqual(figures.torrents, [{ info_hash: hash.toString('hex'), uploaded: 1800, downloaded: 800, completed: 1 }])
  assert.doesNotMatch(JSON.stringify((await admin(first, 'GET', '/users')).json), new RegExp(passkey), 'listing never shows passkeys')
  const top = (await admin(first, 'GET', '/users/top?by=uploaded&limit=1')).json
  assert.deepEqual((top.users as Array<{ name: string }>).map(u => u.name), ['carol'])
  assert.equal((await admin(first, 'GET', `/users/${'0'.repeat(16)}`)).status, 404)

  assert.equal((await admin(first, 'GET', '/save_state')).status, 200)
  const dir = mkdtempSync(join(tmpdir(), 'private-restart-'))
  copyFileSync(first.dataFile, join(dir, 'state.json'))
  const again = await startTracker(t, { TRACKER_ACCESS: 'private', TRACKER_DATA_FILE: join(dir, 'state.json') })
  // After the tracker using it has closed (hooks run in the order they were added).
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  assert.deepEqual((await admin(again, 'GET', `/users/${userId}`)).json, figures, 'figures survive the restart')
  await send(again, 0, 0, 'started')
  assert.equal(failure(await announceAs(again, `/announce/${other.passkey}`, { infoHash: hash, peerId: id('d'), port: 7202 })), undefined, 'passkeys survive the restart')
})

test('the members routes exist only on a private tracker, behind the admin rule', async (t) => {
  const open = await startTracker(t)
  assert.equal((await admin(open, 'POST', '/users', {})).status, 404)
  const tracker = await startTracker(t, { TRACKER_ACCESS: 'private' })
  const res = await tracker.app.inject({ method: 'POST', url: '/users', payload: {}, remoteAddress: '198.51.100.7' })
  assert.equal(res.statusCode, 403)
  assert.equal((await admin(tracker, 'GET', '/users')).json.users instanceof Array, true)
})
