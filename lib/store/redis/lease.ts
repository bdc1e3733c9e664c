import { randomBytes } from 'node:crypto'
import type { RedisClient } from './redis-peer-store.ts'

/** Extends the lease only while this holder still has it. */
const RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0"
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"

/**
 * Which one of the tracker processes sharing a Redis runs the deployment's periodic jobs (the
 * idle-swarm sweep, state exports, key rotation): whoever holds a key that expires unless
 * renewed. When the holder dies, another process takes it over within `ttlMs`.
 */
export class Lease {
  readonly id = randomBytes(8).toString('hex')
  held = false

  constructor (private readonly redis: RedisClient, private readonly key: string, private readonly ttlMs: number) {}

  /** Takes or renews the lease; call it every ttlMs / 3. A Redis error loses it. */
  async refresh (): Promise<boolean> {
    try {
      if (this.held && await this.redis.eval(RENEW, 1, this.key, this.id, this.ttlMs) === 1) return true
      this.held = await this.redis.set(this.key, this.id, 'PX', this.ttlMs, 'NX') === 'OK'
    } catch {
      this.held = false
    }
    return this.held
  }

  async release (): Promise<void> {
    if (!this.held) return
    this.held = false
    await this.redis.eval(RELEASE, 1, this.key, this.id)
  }
}
