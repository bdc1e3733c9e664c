import { randomBytes } from 'node:crypto'
import type { RedisClient } from './redis-peer-store.ts'

export interface UdpSecrets {
  current: Buffer
  previous: Buffer | null
}

/** Days between key rotations: the previous key stays valid, so no issued id is cut short. */
const ROTATE_AFTER_MS = 24 * 3600 * 1000
const ROTATE = `
local rotated = tonumber(redis.call('HGET', KEYS[1], 'rotated') or '0')
if tonumber(ARGV[2]) - rotated < tonumber(ARGV[3]) then return 0 end
local current = redis.call('HGET', KEYS[1], 'current')
if current then redis.call('HSET', KEYS[1], 'previous', current) end
redis.call('HSET', KEYS[1], 'current', ARGV[1], 'rotated', ARGV[2])
return 1`

/**
 * The UDP connection-id key every instance shares, so a client may connect on one instance and
 * announce on another: created by the first instance, read by all, rotated daily by the lease
 * holder (`rotate`), the previous key kept for ids issued just before.
 */
export async function sharedUdpSecrets (redis: RedisClient, key: string, rotate: boolean, nowMs = Date.now()): Promise<UdpSecrets> {
  if (await redis.hsetnx(key, 'current', randomBytes(16).toString('hex')) === 1) await redis.hset(key, 'rotated', nowMs)
  if (rotate) await redis.eval(ROTATE, 1, key, randomBytes(16).toString('hex'), nowMs, ROTATE_AFTER_MS)
  const [current, previous] = await redis.hmget(key, 'current', 'previous')
  return { current: Buffer.from(current ?? '', 'hex'), previous: previous === null ? null : Buffer.from(previous, 'hex') }
}
