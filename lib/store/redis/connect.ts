import { Cluster, Redis, type RedisOptions } from 'ioredis'
import { isCluster, type RedisClient } from './redis-peer-store.ts'

/**
 * Connection settings for the hot path: a command to an unreachable Redis fails at once (no
 * offline queue, no retries) and a stuck one within the command timeout (TRACKER_REDIS_TIMEOUT),
 * so an announce is answered with a failure instead of hanging; the client keeps reconnecting in
 * the background.
 */
const COMMON = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  lazyConnect: true,
  enableAutoPipelining: true
} satisfies RedisOptions

/**
 * A client for `redis://[user:password@]host:port[/db]`, `rediss://…` (TLS), or
 * `redis-cluster://host:port,host:port` (`rediss-cluster://` for TLS): the seed nodes of a
 * Redis Cluster. Not connected yet: see connectRedis.
 */
export function createRedis (url: string, commandTimeout = 1000): RedisClient {
  // A connection may take as long as a command, and two seconds at least.
  const options = { ...COMMON, commandTimeout, connectTimeout: Math.max(2000, commandTimeout) }
  const cluster = /^(rediss?)-cluster:\/\/(.*)$/.exec(url)
  // Built in a variable, not in `return`, and from options without a `replyMapping` (COMMON is
  // `satisfies`, not typed RedisOptions): inferring ioredis's reply-mapping generic from the return
  // type makes the type checker compare every command signature, a third of a type-check's time.
  if (cluster === null) {
    const redis = new Redis(url, options)
    return redis
  }
  const tls = cluster[1] === 'rediss'
  const auth = /^([^@]*)@/.exec(cluster[2])
  const seeds = cluster[2].slice(auth === null ? 0 : auth[0].length).replace(/\/.*$/, '').split(',').filter(s => s !== '').map(seed => {
    const { hostname, port } = new URL(`redis://${seed}`)
    return { host: hostname.replace(/^\[|\]$/g, ''), port: port === '' ? 6379 : Number(port) }
  })
  if (seeds.length === 0) throw new Error('a redis-cluster:// URL needs at least one host:port')
  const [user, password] = auth === null ? [] : decodeURIComponent(auth[1]).split(':')
  const client = new Cluster(seeds, {
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    lazyConnect: true,
    redisOptions: {
      ...options,
      ...(user !== undefined && user !== '' ? { username: user } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(tls ? { tls: {} } : {})
    }
  })
  return client
}

/** Connects, and checks that this Redis can hold swarms: eviction must never drop part of one. */
export async function connectRedis (redis: RedisClient): Promise<{ warnings: string[] }> {
  await redis.connect()
  const warnings: string[] = []
  const nodes = isCluster(redis) ? redis.nodes('master') : [redis]
  for (const node of nodes) {
    let policy: string | undefined
    try {
      policy = ((await node.config('GET', 'maxmemory-policy')) as string[])[1]
    } catch {
      warnings.push('cannot read maxmemory-policy (CONFIG is not allowed): make sure it is noeviction')
      continue
    }
    // volatile-* policies only evict keys with a time to live, which swarms never have.
    if (policy !== undefined && policy.startsWith('allkeys-')) {
      throw new Error(`Redis at ${node.options.host ?? ''}:${node.options.port ?? ''} has maxmemory-policy ${policy}, which could evict part of a swarm: set it to noeviction`)
    }
  }
  return { warnings }
}
