import type { RedisClient } from './redis-peer-store.ts'

/** What a tracker process tells the others about itself; nothing a client sent. */
export interface InstanceInfo {
  /** The lease holder id: random per process. */
  id: string
  host: string
  pid: number
  /** ISO time the process started. */
  startedAt: string
}

export interface LiveInstance extends InstanceInfo {
  /** Milliseconds since the epoch of its last heartbeat. */
  seenAt: number
  /** Whether it held the lease (ran the periodic jobs) at that heartbeat. */
  leader: boolean
}

/**
 * The tracker processes sharing one Redis, for the dashboard: each writes a heartbeat into one
 * hash every few seconds; a process silent for longer than `ttlMs` is gone and its entry is
 * removed by whoever reads next. The clocks of the hosts must agree to within the TTL.
 */
export class InstanceRegistry {
  constructor (private readonly redis: RedisClient, private readonly key: string, private readonly ttlMs: number, readonly self: InstanceInfo) {}

  async heartbeat (leader: boolean, now = Date.now()): Promise<void> {
    const entry: LiveInstance = { ...this.self, seenAt: now, leader }
    await this.redis.hset(this.key, this.self.id, JSON.stringify(entry))
  }

  /** The processes heard from within the TTL, the oldest started first. */
  async live (now = Date.now()): Promise<LiveInstance[]> {
    const entries = await this.redis.hgetall(this.key)
    const live: LiveInstance[] = []
    const stale: string[] = []
    for (const [id, text] of Object.entries(entries)) {
      const entry = parseEntry(text)
      if (entry !== null && now - entry.seenAt <= this.ttlMs) live.push(entry)
      else stale.push(id)
    }
    if (stale.length > 0) await this.redis.hdel(this.key, ...stale)
    return live.sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id))
  }

  async leave (): Promise<void> {
    await this.redis.hdel(this.key, this.self.id)
  }
}

function parseEntry (text: string): LiveInstance | null {
  try {
    const e = JSON.parse(text) as Partial<LiveInstance>
    if (typeof e.id !== 'string' || typeof e.host !== 'string' || typeof e.pid !== 'number' ||
      typeof e.startedAt !== 'string' || typeof e.seenAt !== 'number' || typeof e.leader !== 'boolean') return null
    return { id: e.id, host: e.host, pid: e.pid, startedAt: e.startedAt, seenAt: e.seenAt, leader: e.leader }
  } catch {
    return null
  }
}
