import { hostname } from 'node:os'
import fp from 'fastify-plugin'
import { InstanceRegistry, type LiveInstance } from '../lib/store/redis/instances.ts'
import { Lease } from '../lib/store/redis/lease.ts'
import { RedisPeerStore } from '../lib/store/redis/redis-peer-store.ts'
import { sharedUdpSecrets } from '../lib/store/redis/udp-secrets.ts'
import type { ConnectionIds } from '../lib/udp/connection-id.ts'
import type { TrackerConfig } from './config-schema.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Whether this process runs the deployment's periodic jobs (always, with the memory store). */
    leader: () => boolean
    /** Why the swarms cannot be reached now, or null when they can. */
    storeProblem: () => string | null
    /** The tracker processes of the deployment heard from lately (this one alone with the memory store). */
    liveInstances: () => Promise<LiveInstance[]>
  }
}

/** The store could not be opened at start: one line for the operator, exit status 1. */
export class StoreStartError extends Error {
  override name = 'StoreStartError'
}

/** Opens the Redis store of TRACKER_STORE=redis, checking the server before anything listens. */
export async function openRedisStore (config: TrackerConfig, now?: () => number): Promise<{ store: RedisPeerStore, warnings: string[] }> {
  // Loaded here, not with the module: ioredis costs every start with the memory store a tenth of a second.
  const { connectRedis, createRedis } = await import('../lib/store/redis/connect.ts')
  let redis
  try {
    redis = createRedis(config.TRACKER_REDIS_URL, config.TRACKER_REDIS_TIMEOUT)
  } catch (err) {
    throw new StoreStartError(`TRACKER_REDIS_URL: ${(err as Error).message}`)
  }
  // Reported by the plugin once running; before that, connectRedis rejects with the reason.
  redis.on('error', () => {})
  try {
    const { warnings } = await connectRedis(redis)
    const store = new RedisPeerStore({
      redis,
      prefix: config.TRACKER_REDIS_PREFIX,
      peerTimeout: config.TRACKER_PEER_TIMEOUT,
      similarity: config.TRACKER_HASH_SIMILARITY_THRESHOLD > 0,
      registeredOnly: config.TRACKER_ACCESS !== 'open',
      now
    })
    return { store, warnings }
  } catch (err) {
    redis.disconnect()
    throw new StoreStartError(`cannot use Redis at ${redactUrl(config.TRACKER_REDIS_URL)}: ${(err as Error).message}`)
  }
}

function redactUrl (url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@')
}

interface Options {
  store: RedisPeerStore | null
  ids: ConnectionIds
  /** A static UDP key (TRACKER_UDP_SECRET): nothing to share through Redis. */
  staticUdpSecret: boolean
  /** Milliseconds the lease lasts without renewal; tests shorten it. */
  leaseMs?: number
}

/**
 * What several tracker processes on one Redis coordinate: the lease that picks the one running
 * periodic jobs, the shared UDP connection-id key, and the health of the connection.
 */
export default fp<Options>(async (fastify, { store, ids, staticUdpSecret, leaseMs = 15_000 }) => {
  const self = { host: hostname(), pid: process.pid, startedAt: new Date().toISOString() }
  if (store === null) {
    fastify.decorate('leader', () => true)
    fastify.decorate('storeProblem', () => null)
    fastify.decorate('liveInstances', async () => [{ id: 'local', ...self, seenAt: Date.now(), leader: true }])
    return
  }
  const { redis, prefix } = store
  const log = fastify.log.child({ plugin: 'shared-store' })
  let lastError = ''
  redis.on('error', (err: Error) => {
    // Once per distinct failure, not once per reconnection attempt.
    if (err.message !== lastError) log.error({ err }, 'Redis connection error')
    lastError = err.message
  })
  redis.on('ready', () => {
    if (lastError !== '') log.info('Redis connection restored')
    lastError = ''
  })

  const lease = new Lease(redis, `${prefix}leader`, leaseMs)
  fastify.decorate('leader', () => lease.held)
  fastify.decorate('storeProblem', () => redis.status === 'ready' ? null : 'the shared store (Redis) is unreachable')
  // Live while heard from within three beats (a beat is a lease renewal): a busy moment is not a death.
  const instances = new InstanceRegistry(redis, `${prefix}instances`, 3 * leaseMs, { id: lease.id, ...self })
  fastify.decorate('liveInstances', async () => await instances.live())

  const syncUdp = async (): Promise<void> => {
    if (staticUdpSecret) return
    const { current, previous } = await sharedUdpSecrets(redis, `${prefix}udp`, lease.held)
    ids.setSecrets(current, previous)
  }
  await lease.refresh()
  await syncUdp()
  if (lease.held) log.info('this process runs the periodic jobs (sweeps, exports)')
  await instances.heartbeat(lease.held).catch(() => {})

  // The beat in flight, awaited at close: one landing after `leave` would list this process as
  // live again until its entry expired.
  let beat = Promise.resolve()
  const leaseTimer = setInterval(() => {
    const was = lease.held
    beat = lease.refresh().then(held => {
      if (held !== was) log.info(held ? 'took over the periodic jobs' : 'no longer runs the periodic jobs')
      // The dashboard's list of live processes; a missed beat only shows this one as gone a while.
      return instances.heartbeat(held)
    }).catch(() => {})
  }, Math.max(100, Math.floor(leaseMs / 3))).unref()
  const udpTimer = setInterval(() => { syncUdp().catch(() => {}) }, 30_000).unref()

  fastify.addHook('onClose', async () => {
    clearInterval(leaseTimer)
    clearInterval(udpTimer)
    await beat
    await lease.release().catch(() => {})
    await instances.leave().catch(() => {})
    await redis.quit().catch(() => { redis.disconnect() })
  })
}, { name: 'shared-store' })
