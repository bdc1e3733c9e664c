import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runInNewContext } from 'node:vm'
import { setFlagsFromString } from 'node:v8'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { MemoryPeerStore } from '../../lib/store/memory/memory-peer-store.ts'
import { EVENT_NONE } from '../../lib/store/peer-store.ts'
import { announce, encodeBytes, get, id, startTracker, type RunningTracker } from '../helpers/tracker.ts'
import { spawnTracker } from '../helpers/tracker-process.ts'
import { UdpTestClient, readAnnounceReply } from '../helpers/udp.ts'

const failure = (reply: Record<string, unknown>): string | undefined =>
  reply['failure reason'] === undefined ? undefined : Buffer.from(reply['failure reason'] as Uint8Array).toString()
const stats = async (tracker: RunningTracker): Promise<{ totals: { torrents: number, peers: number } }> =>
  JSON.parse((await get(tracker.url, '/stats')).body.toString()) as { totals: { torrents: number, peers: number } }
async function admin (tracker: RunningTracker, method: string, path: string, body?: unknown): Promise<{ status: number, json: Record<string, unknown> }> {
  const res = await tracker.app.inject({ method: method as 'POST', url: path, ...(body === undefined ? {} : { payload: body as Record<string, unknown> }), remoteAddress: '127.0.0.1' })
  return { status: res.statusCode, json: res.json() }
}

test('whitelist over HTTP: unregistered hashes are refused and leave nothing; registered ones are tracked until removed', async (t) => {
  const tracker = await startTracker(t, { TRACKER_ACCESS: 'whitelist' })
  const hash = randomBytes(20)
  const hex = hash.toString('hex')
  assert.equal(failure(await announce(tracker, { infoHash: hash, peerId: id('w'), port: 7001 })), 'unregistered torrent')
  const scrape = await get(tracker.url, `/scrape?info_hash=${encodeBytes(hash)}`)
  assert.match(scrape.body.toString('latin1'), /failure reason.*unregistered torrent/)
  assert.deepEqual((await stats(tracker)).totals.torrents, 0, 'no swarm was made for it')

  assert.equal((await admin(tracker, 'POST', '/add_torrent_info', { info_hash: hex, name: 'ok' })).status, 200)
  await announce(tracker, { infoHash: hash, peerId: id('w'), port: 7002, left: 0 })
  const second = await announce(tracker, { infoHash: hash, peerId: id('w'), port: 7003 })
  assert.equal(failure(second), undefined)
  assert.deepEqual([second.complete, second.incomplete], [1, 1])

  const removed = await admin(tracker, 'DELETE', `/torrents/${hex}`)
  assert.deepEqual(removed, { status: 200, json: { status: 'removed', info_hash: hex } })
  assert.equal((await stats(tracker)).totals.peers, 0, 'its peers left with it')
  assert.equal(failure(await announce(tracker, { infoHash: hash, peerId: id('w'), port: 7004 })), 'unregistered torrent')
  assert.equal((await admin(tracker, 'DELETE', `/torrents/${hex}`)).status, 404)
  assert.equal((await admin(tracker, 'DELETE', '/torrents/xyz')).status, 400)
})

test('whitelist over UDP: an unregistered hash gets the error action naming why', async (t) => {
  const tracker = await startTracker(t, { TRACKER_ACCESS: 'whitelist' })
  const client = await UdpTestClient.open(t, '127.0.0.1', (await tracker.app.udpAddress())?.port ?? 0)
  const hash = randomBytes(20)
  const refused = await client.announce({ infoHash: hash, peerId: id('u'), port: 7101 })
  assert.equal(refused.readUInt32BE(0), 3)
  assert.equal(refused.subarray(8).toString(), 'unregistered torrent')
  await admin(tracker, 'POST', '/add_torrent_info', { info_hash: hash.toString('hex') })
  const accepted = readAnnounceReply(await client.announce({ infoHash: hash, peerId: id('u'), port: 7102 }))
  assert.equal(accepted.action, 1)
  assert.equal(accepted.leechers, 1)
})

test('100,000 refused announces leave the store\'s memory flat', () => {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const store = new MemoryPeerStore({ peerTimeout: 1800, similarityThreshold: 0.95, registeredOnly: true })
  const hashes = Array.from({ length: 1000 }, () => randomBytes(20))
  const peerId = randomBytes(20)
  const endpoint = Buffer.from([10, 0, 0, 1, 0x1a, 0xe1])
  const refuseAll = (): void => {
    for (let n = 0; n < 100_000; n++) {
      assert.throws(() => store.announce({ infoHash: hashes[n % 1000], peerId, endpoint, uploaded: 0, downloaded: 0, left: 1, event: EVENT_NONE, numwant: 50, key: 0, wantPeerIds: false, wantOtherFamily: true }))
    }
  }
  refuseAll() // warm: whatever the code paths allocate once
  gc()
  const before = process.memoryUsage()
  refuseAll()
  gc()
  const after = process.memoryUsage()
  assert.equal(store.totals().torrents, 0)
  assert.equal(store.ids.size, 0)
  const grown = (after.heapUsed - before.heapUsed) + (after.arrayBuffers - before.arrayBuffers)
  assert.ok(grown < 1024 * 1024, `grew ${grown} bytes`)
})

test('client filter: denied prefixes are refused over HTTP and UDP; with an allow list, only those clients', async (t) => {
  const tracker = await startTracker(t, { TRACKER_CLIENT_ALLOW: '-qB,-TR', TRACKER_CLIENT_DENY: '-TR1' })
  const hash = randomBytes(20)
  const peer = (prefix: string): Buffer => Buffer.concat([Buffer.from(prefix), randomBytes(20 - prefix.length)])
  assert.equal(failure(await announce(tracker, { infoHash: hash, peerId: peer('-qB4650-'), port: 7201 })), undefined)
  assert.equal(failure(await announce(tracker, { infoHash: hash, peerId: peer('-TR3000-'), port: 7202 })), undefined)
  assert.equal(failure(await announce(tracker, { infoHash: hash, peerId: peer('-TR1000-'), port: 7203 })), 'client not allowed on this tracker')
  assert.equal(failure(await announce(tracker, { infoHash: hash, peerId: peer('-lt0D00-'), port: 7204 })), 'client not allowed on this tracker')
  const client = await UdpTestClient.open(t, '127.0.0.1', (await tracker.app.udpAddress())?.port ?? 0)
  const refused = await client.announce({ infoHash: hash, peerId: peer('-UT3550-'), port: 7205 })
  assert.equal(refused.subarray(8).toString(), 'client not allowed on this tracker')
  assert.equal((await stats(tracker)).totals.peers, 2, 'only the allowed clients are in the swarm')
})

test('whitelist file: its hashes are registered; a reload registers new ones and unregisters dropped ones', async (t) => {
  const tracker0 = await startTracker(t) // only for a folder that outlives the test's trackers
  const file = join(tracker0.dir, 'whitelist.txt')
  const [a, b] = [randomBytes(20).toString('hex'), randomBytes(20).toString('hex')]
  writeFileSync(file, `# our torrents\n${a.toUpperCase()}  name of a\n\nnot a hash\n`)
  const tracker = await startTracker(t, { TRACKER_ACCESS: 'whitelist', TRACKER_WHITELIST_FILE: file })
  assert.equal(failure(await announce(tracker, { infoHash: Buffer.from(a, 'hex'), peerId: id('f'), port: 7301 })), undefined)
  assert.equal(failure(await announce(tracker, { infoHash: Buffer.from(b, 'hex'), peerId: id('f'), port: 7302 })), 'unregistered torrent')
  writeFileSync(file, `${b}\n`)
  assert.equal(await tracker.app.access.reload(), true)
  assert.equal(failure(await announce(tracker, { infoHash: Buffer.from(a, 'hex'), peerId: id('f'), port: 7303 })), 'unregistered torrent')
  assert.equal(failure(await announce(tracker, { infoHash: Buffer.from(b, 'hex'), peerId: id('f'), port: 7304 })), undefined)
  writeFileSync(file, '')
  await import('node:fs').then(fs => fs.rmSync(file))
  assert.equal(await tracker.app.access.reload(), false, 'a file that went missing keeps the list in use')
  assert.equal(failure(await announce(tracker, { infoHash: Buffer.from(b, 'hex'), peerId: id('f'), port: 7305 })), undefined)
})

test('bin/tracker re-reads the whitelist file on SIGHUP and keeps serving', { timeout: 30_000 }, async (t) => {
  const holder = await startTracker(t)
  const file = join(holder.dir, 'list.txt')
  const hash = randomBytes(20)
  writeFileSync(file, '')
  const tracker = await spawnTracker(t, { TRACKER_ACCESS: 'whitelist', TRACKER_WHITELIST_FILE: file, TRACKER_DATA_FILE: join(holder.dir, 'state.json'), TRACKER_SAVE_INTERVAL: '0' })
  const at = { url: tracker.url } as unknown as RunningTracker
  assert.equal(failure(await announce(at, { infoHash: hash, peerId: id('h'), port: 7401 })), 'unregistered torrent')
  writeFileSync(file, hash.toString('hex') + '\n')
  tracker.child.kill('SIGHUP')
  for (let i = 0; i < 100 && !tracker.logs.some(l => l.msg === 'whitelist file read' && l.added === 1); i++) await sleep(50)
  assert.equal(failure(await announce(at, { infoHash: hash, peerId: id('h'), port: 7402 })), undefined)
  tracker.child.kill('SIGTERM')
  assert.equal(await tracker.exited, 0)
})

test('a whitelist file that cannot be read stops the start with a configuration error', async (t) => {
  const { buildApp } = await import('../../app.ts')
  await assert.rejects(buildApp({ logger: false, env: { TRACKER_WHITELIST_FILE: '/nonexistent/list.txt', TRACKER_SAVE_INTERVAL: '0', TRACKER_DATA_FILE: join((await startTracker(t)).dir, 's.json') } }),
    (err: Error) => err.name === 'ConfigError' && /TRACKER_WHITELIST_FILE: ENOENT/.test(err.message))
})

test('with a whitelist, WebSocket announces (not access-controlled yet) are off', async (t) => {
  const { WebSocket } = await import('ws')
  const connects = async (tracker: RunningTracker): Promise<boolean> => await new Promise(resolve => {
    const ws = new WebSocket(tracker.url.replace('http', 'ws') + '/announce')
    ws.once('open', () => { ws.close(); resolve(true) })
    ws.once('error', () => resolve(false))
  })
  assert.equal(await connects(await startTracker(t)), true, 'open mode serves WebSocket clients')
  assert.equal(await connects(await startTracker(t, { TRACKER_ACCESS: 'whitelist' })), false)
})
