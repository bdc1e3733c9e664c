import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, test } from 'node:test'
import { Redis } from 'ioredis'
import { calculateSlot } from '../../helpers/redis.ts'
import { createRedis, connectRedis } from '../../../lib/store/redis/connect.ts'
import { groupName } from '../../../lib/store/redis/keys.ts'
import { RedisPeerStore } from '../../../lib/store/redis/redis-peer-store.ts'
import { EVENT_NONE, type AnnounceRequest } from '../../../lib/store/peer-store.ts'
import { TEST_TIMEOUT, redisMissing, startRedisCluster } from '../../helpers/redis.ts'

/** What only a Redis Cluster shows: groups spread over the masters, and slots moving under load. */
describe('RedisPeerStore on a Redis Cluster', { skip: redisMissing }, async () => {
  const cluster = await startRedisCluster()
  const redis = createRedis(cluster.url, TEST_TIMEOUT)
  const nodes = cluster.ports.map(port => new Redis(port, '127.0.0.1'))
  after(async () => {
    redis.disconnect()
    for (const n of nodes) n.disconnect()
    await cluster.stop()
  })
  await connectRedis(redis)
  const prefix = `c${randomBytes(4).toString('hex')}:`
  const store = new RedisPeerStore({ redis, prefix, peerTimeout: 1800, similarity: true })
  const hashes = Array.from({ length: 256 }, (_, g) => Buffer.concat([Buffer.from([g]), randomBytes(19)]))
  const req = (hash: Buffer, n: number): AnnounceRequest => ({
    infoHash: hash, peerId: randomBytes(20), endpoint: Buffer.from([10, 1, n >> 8, n & 255, 0x1a, 0xe1]), uploaded: 0, downloaded: 0, left: n % 2, event: EVENT_NONE, numwant: 50, key: 0, wantPeerIds: false, wantOtherFamily: true
  })
  const owner = async (slot: number): Promise<number> => {
    const ranges = await nodes[0].cluster('SLOTS')
    const range = ranges.find(([lo, hi]) => slot >= lo && slot <= hi)
    return cluster.ports.indexOf(range?.[2][1] ?? -1)
  }

  test('the 256 groups spread over all three masters, and each master has the function library', async () => {
    for (const [n, hash] of hashes.entries()) await store.announce(req(hash, n))
    const masters = new Set(await Promise.all(Array.from({ length: 256 }, async (_, g) => await owner(calculateSlot(`${prefix}{${groupName(g)}}:g`)))))
    assert.deepEqual([...masters].sort(), [0, 1, 2])
    for (const key of [`${prefix}{00}:g`, `${prefix}{a7}:ids`, 'no tag']) assert.equal(calculateSlot(key), await nodes[0].cluster('KEYSLOT', key))
    for (const node of nodes) {
      const libraries = await node.call('FUNCTION', 'LIST') as unknown[][]
      assert.ok(libraries.some(l => String(l[1]).startsWith('tracker_')), `port ${node.options.port ?? ''} has the library`)
      assert.ok(await node.dbsize() > 0, 'and holds swarms')
    }
    assert.equal((await store.totals()).peers, 256)
  })

  test('announces keep succeeding while ten groups\' slots move to another master', async () => {
    const slots = Array.from({ length: 256 }, (_, g) => calculateSlot(`${prefix}{${groupName(g)}}:g`))
    const from = await owner(slots[0])
    const to = (from + 1) % 3
    const moving: number[] = []
    for (const slot of slots) if (moving.length < 10 && await owner(slot) === from && !moving.includes(slot)) moving.push(slot)
    const [source, target] = [nodes[from], nodes[to]]
    const [sourceId, targetId] = [await source.cluster('MYID') as string, await target.cluster('MYID') as string]

    const state = { running: true }
    let announces = 0
    const failures: string[] = []
    const load = (async () => {
      for (let n = 1000; state.running; n++) {
        try {
          await Promise.all(hashes.map(async (hash, g) => await store.announce(req(hash, n * 256 + g))))
          announces += hashes.length
        } catch (err) {
          failures.push(`${(err as Error).message}: ${String((err as { cause?: Error }).cause?.message)}`)
        }
      }
    })()
    // The documented way slots move (what redis-cli --cluster reshard does), one slot at a time.
    for (const slot of moving) {
      await target.cluster('SETSLOT', slot, 'IMPORTING', sourceId)
      await source.cluster('SETSLOT', slot, 'MIGRATING', targetId)
      for (;;) {
        const keys = await source.cluster('GETKEYSINSLOT', slot, 10) as string[]
        if (keys.length === 0) break
        await source.migrate('127.0.0.1', cluster.ports[to], '', 0, 5000, 'KEYS', ...keys)
      }
      for (const node of nodes) await node.cluster('SETSLOT', slot, 'NODE', targetId)
    }
    state.running = false
    await load
    assert.deepEqual(failures, [])
    assert.ok(announces >= 256, `${announces} announces during the move`)
    for (const slot of moving) assert.equal(await owner(slot), to)
    assert.equal((await store.totals()).torrents, 256)
  })
})
