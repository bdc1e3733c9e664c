import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { Redis } from 'ioredis'
import { StoreUnavailableError } from '../../../lib/store/redis/redis-peer-store.ts'
import { EVENT_STOPPED, type PeerSnapshot, type TorrentSnapshot } from '../../../lib/store/peer-store.ts'
import { redisMissing, startRedis } from '../../helpers/redis.ts'
import { announceOf, clockedStore, functionCalls, hashIn, ownServer, v4, v6 } from './redis-store-fixtures.ts'

/** Announce replies, paging, snapshots, restore batches and errors. This file must have its redis-server alone. */
describe('RedisPeerStore: replies, pages, snapshots and errors', { skip: redisMissing, timeout: 30_000 }, async () => {
  const { redis, admin } = await ownServer()

  test('an IPv6 announcer gets its own family as peers6 and ids listed IPv4 first; none unless asked', async () => {
    const { store } = clockedStore(redis)
    const t = hashIn('01', 'a')
    await store.announce(announceOf(t, v4(1)))
    await store.announce(announceOf(t, v6(2), { left: 0 }))
    const r = await store.announce(announceOf(t, v6(3), { wantPeerIds: true }))
    assert.deepEqual([[...r.peers], [...r.peers6]], [[...v4(1)], [...v6(2)]])
    assert.deepEqual(r.peerIds, [Buffer.alloc(20, 1), Buffer.alloc(20, 2)])
    assert.deepEqual([r.complete, r.incomplete], [1, 2])
    assert.equal((await store.announce(announceOf(t, v6(3)))).peerIds, null)
    assert.equal((await store.announce(announceOf(t, v6(3), { wantPeerIds: true, event: EVENT_STOPPED }))).peerIds, null)
  })

  test('numwant bounds the reply, and the window of peers starts at a random place', async () => {
    const { store } = clockedStore(redis)
    const t = hashIn('02', 'a')
    for (let n = 1; n <= 10; n++) {
      await store.announce(announceOf(t, v4(n)))
      await store.announce(announceOf(t, v6(n)))
    }
    const seen4 = new Set<string>()
    const seen6 = new Set<string>()
    for (let i = 0; i < 30; i++) {
      const r = await store.announce(announceOf(t, v4(1), { numwant: 2 }))
      assert.deepEqual([r.peers.length, r.peers6.length], [12, 0])
      seen4.add(r.peers.toString('hex'))
      const o = await store.announce(announceOf(t, v4(1), { numwant: 10 }))
      assert.deepEqual([o.peers.length, o.peers6.length], [54, 18])
      seen6.add(o.peers6.toString('hex'))
    }
    assert.ok(seen4.size > 1 && seen6.size > 1, `${seen4.size} and ${seen6.size} different windows in 30 replies`)
  })

  test('an announce expires the peers silent past the timeout, and only those', async () => {
    const { store, clock } = clockedStore(redis, { peerTimeout: 100 })
    const t = hashIn('03', 'a')
    await store.announce(announceOf(t, v4(1)))
    clock.now += 50
    await store.announce(announceOf(t, v4(2)))
    clock.now += 51
    const r = await store.announce(announceOf(t, v4(3)))
    assert.deepEqual([r.incomplete, [...r.peers]], [2, [...v4(2)]])
  })

  test('pages of the listing cut across groups exactly', async () => {
    const { store } = clockedStore(redis)
    const hexes = [hashIn('a0', '1'), hashIn('a0', '2'), hashIn('a1', '1'), hashIn('a1', '2'), hashIn('a1', '3')]
    for (const hex of hexes) await store.announce(announceOf(hex, v4(1)))
    for (let offset = 0; offset < 6; offset++) {
      for (const limit of [1, 2, 3]) {
        const page = await store.list({ limit, offset })
        assert.deepEqual([page.total, page.torrents.map(s => s.info_hash)], [5, hexes.slice(offset, offset + limit)], `limit ${limit} offset ${offset}`)
      }
    }
    assert.deepEqual((await store.list({ infoHash: hexes[2], limit: 1, offset: 0 })).total, 1)
  })

  test('a snapshot gives every torrent of a group holding more than one batch, and skips one removed meanwhile', async () => {
    const { store } = clockedStore(redis)
    const hexes = Array.from({ length: 230 }, (_, n) => 'b0' + n.toString(16).padStart(38, '0'))
    for (const hex of hexes) await store.complete(Buffer.from(hex, 'hex'))
    const seen: string[] = []
    for await (const t of store.snapshot()) seen.push(t.infoHash)
    assert.deepEqual(seen, hexes)
    const iterator = store.snapshot()[Symbol.asyncIterator]()
    // Sent after the snapshot's first read of the index, before it reads the torrents.
    const first = iterator.next()
    await store.remove(hexes[0])
    assert.equal((await first).value?.infoHash, hexes[1])
    await iterator.return(undefined)
  })

  test('restore sends peers 500 at a time, and a torrent without peers still once', async () => {
    const { store } = clockedStore(redis)
    const peers = (count: number): PeerSnapshot[] => Array.from({ length: count }, (_, n) => ({
      endpoint: v4(n), peerId: Buffer.alloc(20, n & 255), key: 0, seen: 1_800_000_000, counted: false, uploaded: 0, downloaded: 0, left: 1
    }))
    const torrent = (hex: string, count: number): TorrentSnapshot => ({ infoHash: hex, info: null, completed: 2, peers: peers(count), aliases: [] })
    for (const [count, calls] of [[0, 1], [1000, 2], [1001, 3]]) {
      const hex = hashIn('c0', count.toString(16).padStart(4, '0'))
      let result = { peers: 0, expired: 0 }
      assert.equal(await functionCalls(admin, async () => { result = await store.restore(torrent(hex, count)) }), calls, `${count} peers`)
      assert.deepEqual(result, { peers: count, expired: 0 })
      assert.deepEqual(await store.scrape([Buffer.from(hex, 'hex')]), [{ complete: 0, incomplete: count, downloaded: 2 }])
    }
  })

  test('metadata lists only the fields given', async () => {
    const { store } = clockedStore(redis)
    const t = hashIn('d0', 'a')
    await store.setInfo(t, { name: 'n', private: true })
    assert.deepEqual((await store.list({ infoHash: t, limit: 1, offset: 0 })).torrents[0].info, { name: 'n', private: true })
  })

  test('a defect in stored data is raised as it is, an out-of-memory Redis as unavailable storage', async () => {
    const { store } = clockedStore(redis)
    const t = hashIn('e1', 'a')
    await redis.set(`${store.prefix}{e1}:g`, 'not a hash')
    await admin.config('RESETSTAT')
    await assert.rejects(async () => await store.announce(announceOf(t, v4(1))), (err: Error) => err.name === 'ReplyError' && /WRONGTYPE/.test(err.message))
    const stats = await admin.info('commandstats')
    assert.match(stats, /^cmdstat_fcall:calls=1,/m, 'tried once')
    assert.doesNotMatch(stats, /^cmdstat_function:/m, 'without reloading the library')
    await admin.config('SET', 'maxmemory', '1')
    try {
      await assert.rejects(async () => await store.announce(announceOf(hashIn('e2', 'a'), v4(1))), (err: Error) => err instanceof StoreUnavailableError && /^OOM/.test((err.cause as Error).message))
    } finally {
      await admin.config('SET', 'maxmemory', '0')
    }
  })
})

describe('RedisPeerStore on a cluster node that serves no slot', { skip: redisMissing, timeout: 20_000 }, async () => {
  const server = await startRedis(['--cluster-enabled', 'yes'])
  const redis = new Redis(server.port, '127.0.0.1')
  after(async () => { redis.disconnect(); await server.stop() })

  test('CLUSTERDOWN is tried again for about two thirds of a second, twelve times, then reported as unavailable storage', async () => {
    const { store } = clockedStore(redis)
    await redis.config('RESETSTAT')
    const started = Date.now()
    await assert.rejects(async () => await store.scrape([Buffer.from(hashIn('01', 'a'), 'hex')]), (err: Error) => err instanceof StoreUnavailableError && /^CLUSTERDOWN/.test((err.cause as Error).message))
    const elapsed = Date.now() - started
    assert.ok(elapsed >= 660, `${elapsed} ms`)
    assert.match(await redis.info('commandstats'), /cmdstat_hmget:calls=0,.*rejected_calls=24,/)
  })
})
