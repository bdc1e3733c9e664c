import { after, describe } from 'node:test'
import { randomBytes } from 'node:crypto'
import { createRedis, connectRedis } from '../../../lib/store/redis/connect.ts'
import { RedisPeerStore, type RedisClient } from '../../../lib/store/redis/redis-peer-store.ts'
import { redisMissing, startRedis, startRedisCluster } from '../../helpers/redis.ts'
import { peerStoreContract } from './peer-store-contract.ts'

const clients: RedisClient[] = []
async function client (url: string): Promise<RedisClient> {
  const redis = createRedis(url)
  await connectRedis(redis)
  clients.push(redis)
  return redis
}
/** A store of its own: every store gets a fresh prefix on the shared server. */
function storeOn (redis: RedisClient): () => RedisPeerStore {
  return () => new RedisPeerStore({ redis, prefix: `t${randomBytes(4).toString('hex')}:`, peerTimeout: 1800, similarity: true })
}

describe('RedisPeerStore on one redis-server', { skip: redisMissing }, async () => {
  const server = await startRedis()
  const redis = await client(server.url)
  after(async () => { redis.disconnect(); await server.stop() })
  peerStoreContract('RedisPeerStore', storeOn(redis))
})

describe('RedisPeerStore on a 3-master Redis Cluster', { skip: redisMissing }, async () => {
  const cluster = await startRedisCluster()
  const redis = await client(cluster.url)
  after(async () => { redis.disconnect(); await cluster.stop() })
  peerStoreContract('RedisPeerStore (cluster)', storeOn(redis))
})
