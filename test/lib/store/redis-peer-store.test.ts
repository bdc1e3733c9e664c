import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { randomBytes } from 'node:crypto'
import { createRedis, connectRedis } from '../../../lib/store/redis/connect.ts'
import { RedisPeerStore, type RedisClient } from '../../../lib/store/redis/redis-peer-store.ts'
import { TEST_TIMEOUT, redisMissing, startRedis, startRedisCluster } from '../../helpers/redis.ts'
import { EVENT_NONE, type AnnounceRequest } from '../../../lib/store/peer-store.ts'
import { peerStoreContract, peerStoreRecordsContract } from './peer-store-contract.ts'

const clients: RedisClient[] = []
async function client (url: string): Promise<RedisClient> {
  const redis = createRedis(url, TEST_TIMEOUT)
  await connectRedis(redis)
  clients.push(redis)
  return redis
}
/** A store of its own: every store gets a fresh prefix on the shared server. */
function storeOn (redis: RedisClient, registeredOnly = false): () => RedisPeerStore {
  return () => new RedisPeerStore({ redis, prefix: `t${randomBytes(4).toString('hex')}:`, peerTimeout: 1800, similarity: true, registeredOnly })
}

describe('RedisPeerStore on one redis-server', { skip: redisMissing }, async () => {
  const server = await startRedis()
  const redis = await client(server.url)
  after(async () => { redis.disconnect(); await server.stop() })
  peerStoreContract('RedisPeerStore', storeOn(redis), storeOn(redis, true))
  peerStoreRecordsContract('RedisPeerStore', storeOn(redis), storeOn(redis, true))
})

describe('two RedisPeerStores on one prefix (two tracker processes)', { skip: redisMissing }, async () => {
  const server = await startRedis()
  const redis = await client(server.url)
  after(async () => { redis.disconnect(); await server.stop() })

  test('two similar new hashes announced at once on two processes end in one swarm', async () => {
    for (let round = 0; round < 20; round++) {
      const prefix = `s${randomBytes(4).toString('hex')}:`
      const [a, b] = [0, 1].map(() => new RedisPeerStore({ redis, prefix, peerTimeout: 1800, similarity: true }))
      const first = randomBytes(20)
      const second = Buffer.from(first)
      second[7] ^= 0xff // a middle digit: the first 10 and last 5 hex digits stay equal
      const peer = (hash: Buffer, n: number): AnnounceRequest => ({
        infoHash: hash, peerId: randomBytes(20), endpoint: Buffer.from([10, 0, 0, n, 0x1a, 0xe1]), uploaded: 0, downloaded: 0, left: 1, event: EVENT_NONE, numwant: 50, key: 0, wantPeerIds: false, wantOtherFamily: true
      })
      await Promise.all([a.announce(peer(first, 1)), b.announce(peer(second, 2))])
      const [fromA, fromB] = await Promise.all([a.announce(peer(first, 3)), b.announce(peer(second, 4))])
      assert.equal(fromA.incomplete + fromB.incomplete, 3 + 4, 'each sees the other\'s peers: one swarm')
      assert.equal((await a.totals()).torrents, 1)
      const [summary] = (await b.list({ limit: 10, offset: 0 })).torrents
      assert.equal(summary.aliases.length, 1)
    }
  })
})

describe('RedisPeerStore.clear on a shared Redis', { skip: redisMissing }, async () => {
  const server = await startRedis()
  const redis = await client(server.url)
  after(async () => { redis.disconnect(); await server.stop() })

  test('forgets the swarms under its prefix only: not the deployment\'s own keys, not another prefix', async () => {
    const store = new RedisPeerStore({ redis, prefix: 'one*:', peerTimeout: 1800, similarity: true })
    const other = new RedisPeerStore({ redis, prefix: 'one:', peerTimeout: 1800, similarity: true })
    const peer = (n: number): AnnounceRequest => ({
      infoHash: Buffer.alloc(20, n), peerId: randomBytes(20), endpoint: Buffer.from([10, 0, 0, n, 0x1a, 0xe1]), uploaded: 0, downloaded: 0, left: 1, event: EVENT_NONE, numwant: 50, key: 0, wantPeerIds: false, wantOtherFamily: true
    })
    for (let n = 1; n <= 20; n++) await Promise.all([store.announce(peer(n)), other.announce(peer(n))])
    await redis.set('one*:initialized', 'yes')
    await redis.set('one*:leader', 'me')
    await store.clear()
    assert.equal((await store.totals()).torrents, 0)
    assert.equal((await other.totals()).torrents, 20, 'a prefix that the pattern would match unescaped is untouched')
    assert.equal(await redis.get('one*:initialized'), 'yes')
    assert.equal(await redis.get('one*:leader'), 'me')
  })
})

describe('RedisPeerStore on a 3-master Redis Cluster', { skip: redisMissing }, async () => {
  const cluster = await startRedisCluster()
  const redis = await client(cluster.url)
  after(async () => { redis.disconnect(); await cluster.stop() })
  peerStoreContract('RedisPeerStore (cluster)', storeOn(redis), storeOn(redis, true))
  peerStoreRecordsContract('RedisPeerStore (cluster)', storeOn(redis), storeOn(redis, true))
})
