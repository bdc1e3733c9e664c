import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildApp } from '../../app.ts'
import { ConfigError } from '../../plugins/config.ts'
import { StoreStartError } from '../../plugins/shared-store.ts'
import type { RedisPeerStore } from '../../lib/store/redis/redis-peer-store.ts'
import { TEST_TIMEOUT_ENV, redisMissing, startRedis, type RedisServer } from '../helpers/redis.ts'
import { announce, compactPeers, get, id, startTracker, type RunningTracker } from '../helpers/tracker.ts'
import { UdpTestClient, readAnnounceReply } from '../helpers/udp.ts'

/** Two (or more) tracker processes' worth of apps on one real redis-server, each on its own port. */
describe('several trackers on one Redis', { skip: redisMissing }, async () => {
  const server = await startRedis()
  // For state files that must outlive the trackers using them (closed after each test).
  const dir = mkdtempSync(join(tmpdir(), 'shared-store-'))
  after(async () => {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const shared = (prefix: string, extra: Record<string, string> = {}): Record<string, string> => ({
    ...TEST_TIMEOUT_ENV, TRACKER_STORE: 'redis', TRACKER_REDIS_URL: server.url, TRACKER_REDIS_PREFIX: prefix, ...extra
  })
  const stats = async (tracker: RunningTracker): Promise<{ totals: Record<string, number>, torrents: Array<Record<string, unknown>> }> =>
    JSON.parse((await get(tracker.url, '/stats')).body.toString()) as { totals: Record<string, number>, torrents: Array<Record<string, unknown>> }
  const prefix = (): string => `p${randomBytes(4).toString('hex')}:`

  test('a peer announced over HTTP to A is handed out over UDP by B, and the reverse; /stats agree', async (t) => {
    const env = shared(prefix())
    const a = await startTracker(t, env)
    const b = await startTracker(t, env)
    const hash = randomBytes(20)
    await announce(a, { infoHash: hash, peerId: id('http'), port: 7001, left: 0 })
    const udp = await UdpTestClient.open(t, '127.0.0.1', (await b.app.udpAddress())?.port ?? 0)
    const fromB = readAnnounceReply(await udp.announce({ infoHash: hash, peerId: id('udp'), port: 7002, left: 100n }))
    assert.deepEqual(compactPeers(fromB.peers), ['127.0.0.1:7001'])
    assert.equal(fromB.seeders, 1)
    const fromA = await announce(a, { infoHash: hash, peerId: id('http2'), port: 7003, left: 0, compact: 1 })
    assert.deepEqual(compactPeers(fromA.peers), ['127.0.0.1:7002'], 'a seeder on A gets the UDP leecher of B')
    const [sa, sb] = await Promise.all([stats(a), stats(b)])
    assert.deepEqual(sa.totals, sb.totals)
    assert.equal(sa.totals.peers, 3)
    assert.equal(sa.totals.torrents, 1)
    assert.deepEqual(sa.torrents, sb.torrents)
  })

  test('a UDP client may connect on A and announce on B, with the clocks 5 s apart', async (t) => {
    const env = shared(prefix())
    let skew = 0
    const a = await startTracker(t, env)
    const b = await startTracker(t, env, '127.0.0.1', { clock: () => Math.floor(Date.now() / 1000) + skew })
    const toA = await UdpTestClient.open(t, '127.0.0.1', (await a.app.udpAddress())?.port ?? 0)
    const toB = await UdpTestClient.open(t, '127.0.0.1', (await b.app.udpAddress())?.port ?? 0)
    const { announcePacket } = await import('../helpers/udp.ts')
    for (const s of [0, 5, -5]) {
      skew = s
      const connectionId = await toA.connect()
      // Ids are bound to the client's address and port: the socket that connected announces to B.
      const reply = await new Promise<Buffer>((resolve, reject) => {
        toA.socket.once('message', resolve)
        toA.socket.send(announcePacket({ connectionId, infoHash: randomBytes(20), peerId: id('u'), port: 7100 }), toB.port, '127.0.0.1', err => { if (err !== null) reject(err) })
      })
      assert.equal(reply.readUInt32BE(0), 1, `an announce reply with B's clock ${s} s off (got action ${reply.readUInt32BE(0)}: ${reply.subarray(8).toString()})`)
    }
  })

  test('save_state from Redis loads in memory mode; a memory-mode file is imported into an empty Redis once', async (t) => {
    const p = prefix()
    const a = await startTracker(t, shared(p))
    const hashes = [randomBytes(20), randomBytes(20)]
    await announce(a, { infoHash: hashes[0], peerId: id('s1'), port: 7201, left: 0, event: 'completed' })
    await announce(a, { infoHash: hashes[0], peerId: id('s2'), port: 7202, left: 10 })
    await announce(a, { infoHash: hashes[1], peerId: id('s3'), port: 7203, left: 10 })
    const saved = await get(a.url, '/save_state')
    assert.equal(saved.status, 200, saved.body.toString())
    const exported = readFileSync(a.dataFile, 'utf8')
    // Each tracker below gets a copy of its own.
    const copy = (name: string, text = exported): string => {
      writeFileSync(join(dir, name), text)
      return join(dir, name)
    }

    const memory = await startTracker(t, { TRACKER_DATA_FILE: copy('memory.json') })
    const [fromRedis, fromFile] = [await stats(a), await stats(memory)]
    assert.deepEqual({ ...fromFile.totals }, { ...fromRedis.totals })
    const byHash = (s: typeof fromRedis): unknown[] => s.torrents.map(x => ({ ...x })).sort((x, y) => String(x.info_hash).localeCompare(String(y.info_hash)))
    assert.deepEqual(byHash(fromFile), byHash(fromRedis))

    // A new prefix is an empty Redis: the first tracker imports the file, the next one does not.
    const q = prefix()
    const fresh = await startTracker(t, shared(q, { TRACKER_DATA_FILE: copy('first.json') }))
    assert.equal((await stats(fresh)).totals.peers, 3)
    const second = await startTracker(t, shared(q, { TRACKER_DATA_FILE: copy('second.json', '{"torrents": {}}') }))
    assert.equal((await stats(second)).totals.peers, 3, 'the second instance found the swarms in Redis')
  })

  test('the periodic jobs move to another instance when their holder stops, or dies', async (t) => {
    const env = shared(prefix())
    // A lease long enough that a loaded machine's late timers do not pass it around by themselves.
    const a = await startTracker(t, env, '127.0.0.1', { leaseMs: 1500 })
    const b = await startTracker(t, env, '127.0.0.1', { leaseMs: 1500 })
    const c = await startTracker(t, env, '127.0.0.1', { leaseMs: 1500 })
    assert.deepEqual([a.app.leader(), b.app.leader(), c.app.leader()], [true, false, false])
    await a.app.close()
    for (let i = 0; i < 200 && !b.app.leader() && !c.app.leader(); i++) await sleep(50)
    const next = b.app.leader() ? b : c
    const last = next === b ? c : b
    assert.equal(next.app.leader() !== last.app.leader(), true, 'one of the others took over')
    // Dying, it cannot hand the lease over: the last one takes it when it runs out.
    ;(next.app.peers as RedisPeerStore).redis.disconnect()
    for (let i = 0; i < 200 && !last.app.leader(); i++) await sleep(50)
    assert.equal(last.app.leader(), true)
  })
})

describe('Redis going away and coming back', { skip: redisMissing }, async () => {
  let server: RedisServer
  test('announces fail at once with a failure reason and /health is 503; both recover with Redis', async (t: TestContext) => {
    server = await startRedis()
    t.after(async () => { await server.stop() })
    const tracker = await startTracker(t, { TRACKER_STORE: 'redis', TRACKER_REDIS_URL: server.url })
    const hash = randomBytes(20)
    assert.equal((await announce(tracker, { infoHash: hash, peerId: id('r'), port: 7301 })).incomplete, 1)
    await server.stop()
    const started = Date.now()
    const failed = await announce(tracker, { infoHash: hash, peerId: id('r'), port: 7302 })
    assert.match(Buffer.from(failed['failure reason'] as Uint8Array).toString(), /tracker storage unavailable/)
    assert.ok(Date.now() - started < 3000, 'answered within the command timeout')
    const health = await get(tracker.url, '/health')
    assert.equal(health.status, 503)
    assert.match(health.body.toString(), /shared store/)
    await server.start()
    let back: Record<string, unknown> = {}
    for (let i = 0; i < 100; i++) {
      back = await announce(tracker, { infoHash: hash, peerId: id('r'), port: 7303 })
      if (back['failure reason'] === undefined) break
      await sleep(100)
    }
    assert.equal(back['failure reason'], undefined, 'served again once Redis is back')
    assert.equal((await get(tracker.url, '/health')).status, 200)
  })
})

describe('start-up checks of the shared store', { skip: redisMissing }, async () => {
  test('an eviction policy that could drop part of a swarm is refused, naming the fix', async (t) => {
    const server = await startRedis(['--maxmemory-policy', 'allkeys-lru'])
    t.after(async () => { await server.stop() })
    await assert.rejects(buildApp({ logger: false, env: { TRACKER_STORE: 'redis', TRACKER_REDIS_URL: server.url, TRACKER_SAVE_INTERVAL: '0' } }),
      (err: Error) => err instanceof StoreStartError && /allkeys-lru.*noeviction/.test(err.message))
  })

  test('an unreachable Redis is one clear error', async () => {
    await assert.rejects(buildApp({ logger: false, env: { TRACKER_STORE: 'redis', TRACKER_REDIS_URL: 'redis://127.0.0.1:1', TRACKER_SAVE_INTERVAL: '0' } }),
      (err: Error) => err instanceof StoreStartError && /cannot use Redis at redis:\/\/127\.0\.0\.1:1/.test(err.message))
  })

  test('settings that cannot work with a shared store are configuration errors', async () => {
    await assert.rejects(buildApp({ logger: false, env: { TRACKER_STORE: 'redis', TRACKER_HASH_SIMILARITY_THRESHOLD: '0.9' } }),
      (err: Error) => err instanceof ConfigError && /TRACKER_HASH_SIMILARITY_THRESHOLD/.test(err.message))
    await assert.rejects(buildApp({ logger: false, env: { TRACKER_WORKERS: '2' } }),
      (err: Error) => err instanceof ConfigError && /TRACKER_WORKERS above 1 needs TRACKER_STORE=redis/.test(err.message))
  })
})
