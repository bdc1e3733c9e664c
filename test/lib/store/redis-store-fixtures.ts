import { randomBytes } from 'node:crypto'
import { after } from 'node:test'
import { Redis } from 'ioredis'
import { connectRedis, createRedis } from '../../../lib/store/redis/connect.ts'
import { TEST_TIMEOUT, startRedis } from '../../helpers/redis.ts'
import { EVENT_NONE, type AnnounceRequest } from '../../../lib/store/peer-store.ts'
import { RedisPeerStore, type RedisClient } from '../../../lib/store/redis/redis-peer-store.ts'

/** A clock the test moves by hand, and a store of its own (fresh prefix) reading it. */
export function clockedStore (redis: RedisClient, options: { peerTimeout?: number, similarity?: boolean, registeredOnly?: boolean } = {}): { store: RedisPeerStore, clock: { now: number } } {
  const clock = { now: 1_800_000_000 }
  const store = new RedisPeerStore({
    redis,
    prefix: `t${randomBytes(4).toString('hex')}:`,
    peerTimeout: options.peerTimeout ?? 1800,
    similarity: options.similarity ?? true,
    registeredOnly: options.registeredOnly,
    now: () => clock.now
  })
  return { store, clock }
}

/** An IPv4 endpoint 10.0.n>>8.n, port 6881. */
export function v4 (n: number): Buffer {
  return Buffer.from([10, 0, n >> 8, n & 255, 0x1a, 0xe1])
}

/** An IPv6 endpoint 2001:db8::n, port 6881. */
export function v6 (n: number): Buffer {
  const e = Buffer.alloc(18)
  e.writeUInt32BE(0x20010db8, 0)
  e.writeUInt16BE(n, 14)
  e.writeUInt16BE(6881, 16)
  return e
}

/** An announce of `hex` from `endpoint`, a leecher unless `left` is 0; the peer id is the endpoint's last byte repeated. */
export function announceOf (hex: string, endpoint: Buffer, extra: Partial<AnnounceRequest> = {}): AnnounceRequest {
  return {
    infoHash: Buffer.from(hex, 'hex'),
    peerId: Buffer.alloc(20, endpoint[endpoint.length - 3]),
    endpoint,
    uploaded: 0,
    downloaded: 0,
    left: 1,
    event: EVENT_NONE,
    numwant: 50,
    key: 0,
    wantPeerIds: false,
    wantOtherFamily: true,
    ...extra
  }
}

/** A 40-digit hash in group `group` (its first two digits), the rest `fill` repeated. */
export function hashIn (group: string, fill: string): string {
  return group + fill.repeat(38 / fill.length)
}

/**
 * Function calls (FCALL) the server ran while `op` ran: what an operation costs in round trips
 * to the library. The server must serve this test file alone.
 */
export async function functionCalls (admin: Redis, op: () => Promise<unknown>): Promise<number> {
  await admin.config('RESETSTAT')
  await op()
  const stats = await admin.info('commandstats')
  let calls = 0
  for (const m of stats.matchAll(/^cmdstat_fcall(?:_ro)?:calls=(\d+),.*?rejected_calls=(\d+),failed_calls=(\d+)/gm)) calls += Number(m[1]) + Number(m[2])
  return calls
}

/**
 * A redis-server of the calling suite's own, stopped after it: the stores' client, a plain
 * client for INFO and CONFIG, and the function library loaded already, so no test counts that.
 */
export async function ownServer (): Promise<{ redis: RedisClient, admin: Redis }> {
  const server = await startRedis()
  const redis = createRedis(server.url, TEST_TIMEOUT)
  const admin = new Redis(server.port, '127.0.0.1')
  after(async () => { redis.disconnect(); admin.disconnect(); await server.stop() })
  await connectRedis(redis)
  await clockedStore(redis).store.announce(announceOf(hashIn('ee', 'e'), v4(1)))
  return { redis, admin }
}
