import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, describe, test, type TestContext } from 'node:test'
import { Redis } from 'ioredis'
import { TEST_TIMEOUT_ENV, redisMissing, startRedis, startRedisCluster } from '../helpers/redis.ts'
import { decode, encodeBytes, get, startTracker, type RunningTracker } from '../helpers/tracker.ts'
import { udpScrape } from '../helpers/udp-scrape.ts'
import { binaryId, WsTestClient, type Frame } from '../helpers/ws-client.ts'

/** Browsers on two tracker processes sharing one real redis-server. */
describe('WebSocket swarms across trackers on one Redis', { skip: redisMissing }, async () => {
  const server = await startRedis()
  after(async () => { await server.stop() })

  async function pair (t: TestContext, url = server.url): Promise<[RunningTracker, RunningTracker]> {
    const env = { ...TEST_TIMEOUT_ENV, TRACKER_STORE: 'redis', TRACKER_REDIS_URL: url, TRACKER_REDIS_PREFIX: `p${randomBytes(4).toString('hex')}:` }
    return [await startTracker(t, env), await startTracker(t, env)]
  }
  async function browser (t: TestContext, tracker: RunningTracker): Promise<WsTestClient> {
    const client = await WsTestClient.open(`ws://127.0.0.1:${tracker.port}/announce`)
    t.after(() => client.close())
    return client
  }
  const announce = (infoHash: string, peerId: string, extra: Frame = {}): Frame =>
    ({ action: 'announce', info_hash: infoHash, peer_id: peerId, numwant: 0, uploaded: 0, downloaded: 0, left: 10, event: 'started', offers: [], ...extra })
  const offer = (n: number): Frame => ({ offer: { type: 'offer', sdp: `v=0 offer ${n}` }, offer_id: binaryId(`offer-${n}`) })

  async function offerAndAnswer (t: TestContext, url: string): Promise<void> {
    const [a, b] = await pair(t, url)
    const infoHash = randomBytes(20).toString('latin1')
    const onA = await browser(t, a)
    const onB = await browser(t, b)
    onA.send(announce(infoHash, binaryId('browser-a')))
    assert.deepEqual([(await onA.next()).complete, (await onA.next(0).catch(() => null))], [0, null])

    onB.send(announce(infoHash, binaryId('browser-b'), { numwant: 1, offers: [offer(1)] }))
    const reply = await onB.next()
    assert.deepEqual([reply.complete, reply.incomplete], [0, 2], 'B counts the browser connected to A')
    const relayed = await onA.next()
    assert.deepEqual(relayed, { action: 'announce', info_hash: infoHash, peer_id: binaryId('browser-b'), offer: { type: 'offer', sdp: 'v=0 offer 1' }, offer_id: binaryId('offer-1') })

    onA.send({ action: 'announce', info_hash: infoHash, peer_id: binaryId('browser-a'), to_peer_id: binaryId('browser-b'), answer: { type: 'answer', sdp: 'v=0 answer' }, offer_id: binaryId('offer-1') })
    assert.deepEqual(await onB.next(), { action: 'announce', info_hash: infoHash, peer_id: binaryId('browser-a'), answer: { type: 'answer', sdp: 'v=0 answer' }, offer_id: binaryId('offer-1') })

    onA.send({ action: 'scrape', info_hash: [infoHash] })
    const scrape = await onA.next()
    assert.deepEqual(scrape.files, { [infoHash]: { complete: 0, incomplete: 2, downloaded: 0 } })

    // B finishes: every process's scrapes, of every protocol, count it and both browsers.
    onB.send(announce(infoHash, binaryId('browser-b'), { event: 'completed', left: 0 }))
    assert.deepEqual([(await onB.next()).complete], [1])
    const raw = Buffer.from(infoHash, 'latin1')
    assert.deepEqual(await udpScrape(a.port, raw), { seeders: 1, completed: 1, leechers: 1 })
    const http = decode((await get(a.url, `/scrape?info_hash=${encodeBytes(raw)}`)).body)
    const [entry] = Object.values(http.files as Record<string, Record<string, number>>)
    assert.deepEqual([entry.complete, entry.incomplete, entry.downloaded], [1, 1, 1])
  }

  test('an offer from a browser on B reaches a browser on A, and its answer comes back to B', async (t) => {
    await offerAndAnswer(t, server.url)
  })

  test('the same on a Redis Cluster', async (t) => {
    const cluster = await startRedisCluster()
    t.after(async () => { await cluster.stop() })
    await offerAndAnswer(t, cluster.url)
  })

  test('offers go to distinct browsers on both trackers; a seeder gets no seeder; one that left gets nothing', async (t) => {
    const [a, b] = await pair(t)
    const infoHash = randomBytes(20).toString('latin1')
    const leechers = [await browser(t, a), await browser(t, b), await browser(t, a)]
    for (const [i, client] of leechers.entries()) {
      client.send(announce(infoHash, binaryId(`leecher-${i}`)))
      await client.next()
    }
    const seederOnB = await browser(t, b)
    seederOnB.send(announce(infoHash, binaryId('seeder-1'), { left: 0 }))
    assert.deepEqual([(await seederOnB.next()).complete], [1])

    // Another seeder on A offers to every peer it may: the three leechers, not the seeder.
    const seederOnA = await browser(t, a)
    seederOnA.send(announce(infoHash, binaryId('seeder-2'), { left: 0, numwant: 5, offers: [1, 2, 3, 4, 5].map(offer) }))
    const reply = await seederOnA.next()
    assert.deepEqual([reply.complete, reply.incomplete], [2, 3])
    const got = await Promise.all(leechers.map(async c => await c.next()))
    assert.equal(new Set(got.map(f => JSON.stringify(f.offer_id))).size, 3, 'each leecher got a different offer')
    assert.ok(got.every(f => f.peer_id === binaryId('seeder-2')))
    await assert.rejects(seederOnB.next(300), /no frame/, 'a seeder is offered no seeder')

    // The leecher on B leaves (its socket closes): its count goes, and no offer is sent its way.
    leechers[1].close()
    await leechers[1].closed
    const left = async (): Promise<Frame> => {
      for (let i = 0; i < 50; i++) {
        seederOnA.send(announce(infoHash, binaryId('seeder-2'), { left: 0, event: 'update' }))
        const frame = await seederOnA.next()
        if (frame.incomplete === 2) return frame
        await new Promise(resolve => setTimeout(resolve, 20))
      }
      throw new Error('the closed browser is still counted')
    }
    assert.equal((await left()).complete, 2)
  })

  test('offers reach a browser again after Redis drops the connection that receives them', async (t) => {
    const [a, b] = await pair(t)
    const infoHash = randomBytes(20).toString('latin1')
    const onA = await browser(t, a)
    onA.send(announce(infoHash, binaryId('browser-a')))
    await onA.next()
    const admin = new Redis(server.url)
    t.after(() => admin.disconnect())
    const subscribed = async (): Promise<number> => (await admin.call('PUBSUB', 'CHANNELS') as string[]).length
    const before = await subscribed()
    assert.ok(before >= 2, 'each tracker listens')
    assert.ok(Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub')) >= 2)
    for (let i = 0; i < 200 && await subscribed() < before; i++) await sleep(25)
    assert.equal(await subscribed(), before, 'both subscribed again')
    const onB = await browser(t, b)
    onB.send(announce(infoHash, binaryId('browser-b'), { numwant: 1, offers: [offer(2)] }))
    await onB.next()
    assert.deepEqual((await onA.next()).offer, { type: 'offer', sdp: 'v=0 offer 2' })
  })

  test('with Redis gone, a browser is told to retry, and the tracker keeps serving', async (t) => {
    const [a] = await pair(t)
    const client = await browser(t, a)
    await server.stop()
    t.after(async () => { await server.start() })
    client.send(announce(randomBytes(20).toString('latin1'), binaryId('browser')))
    const frame = await client.next(15_000)
    assert.equal(frame['failure reason'], 'tracker storage unavailable, try again later')
  })
})
