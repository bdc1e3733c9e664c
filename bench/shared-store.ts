/**
 * The shared store's figures (part of `npm run bench`, or alone: node --import tsx
 * bench/shared-store.ts [--seconds S] [--rounds N]). Starts its own redis-server on loopback and
 * prints one JSON line:
 * - one tracker process on Redis against the same process in memory mode (HTTP keep-alive,
 *   UDP), alternating, with the CPU per announce of the tracker and of redis-server;
 * - redis-server's CPU per announce with 50-peer and 2,000-peer swarms;
 * - Redis memory per peer at 10 and 50 peers per swarm;
 * - 1 and 2 worker processes on Redis.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Redis } from 'ioredis'
import { RedisPeerStore } from '../lib/store/redis/redis-peer-store.ts'
import { EVENT_STARTED } from '../lib/store/peer-store.ts'
import { startRedis } from '../test/helpers/redis.ts'
import { cpuSeconds, startSubject, treeCpuSeconds } from './subjects.ts'
import { udpLoad } from './udp-load.ts'
import { wrk } from './wrk.ts'
import { sharedStoreMarkdown } from './report.ts'

// Progress to stderr; the last line of stdout is the JSON.
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '5' } } })
const rounds = Number(values.rounds)
const seconds = Number(values.seconds)
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]
const round1 = (x: number): number => Math.round(x * 10) / 10

const server = await startRedis()
const probe = new Redis(server.port)
const redisPid = Number((await probe.info('server')).match(/process_id:(\d+)/)?.[1])
probe.disconnect()
const dir = mkdtempSync(join(tmpdir(), 'tracker-bench-redis-'))
const hashes = Array.from({ length: 1000 }, () => randomBytes(20).toString('hex'))
const hashesFile = join(dir, 'hashes.txt')
writeFileSync(hashesFile, hashes.join('\n') + '\n')
let port = 30000 + Math.floor(Math.random() * 2000)
const flush = async (): Promise<void> => { const r = new Redis(server.port); await r.flushall(); r.disconnect() }

interface Run { rps: number, trackerUs: number, redisUs: number }
/** One measured run against a fresh subject; the swarms are filled by a warm-up first. */
async function measure (settings: Record<string, string>, kind: 'http' | 'udp', load: { hashes?: string[], peersPerTorrent?: number } = {}): Promise<Run> {
  await flush()
  const s = await startSubject('ours', port++, dir, hashes, [], settings)
  try {
    const list = load.hashes ?? hashes
    const drive = async (secs: number): Promise<number> => kind === 'http'
      ? (await wrk(s.port, secs, { hashesFile })).rps * secs
      : (await udpLoad(s.port, secs, list, 1, 64, load.peersPerTorrent ?? 50)).rps * secs
    await drive(2)
    const [t0, r0] = [treeCpuSeconds(s.pid), cpuSeconds(redisPid)]
    const answered = await drive(seconds)
    return { rps: answered / seconds, trackerUs: 1e6 * (treeCpuSeconds(s.pid) - t0) / answered, redisUs: 1e6 * (cpuSeconds(redisPid) - r0) / answered }
  } finally {
    await s.stop()
  }
}

const redis = { TRACKER_STORE: 'redis', TRACKER_REDIS_URL: server.url }
const summary = (runs: Run[]): Run => ({ rps: Math.round(median(runs.map(r => r.rps))), trackerUs: round1(median(runs.map(r => r.trackerUs))), redisUs: round1(median(runs.map(r => r.redisUs))) })
const runs: Record<string, Run[]> = {}
const add = (name: string, run: Run): void => { (runs[name] ??= []).push(run) }
for (let r = 0; r < rounds; r++) {
  console.error(`shared store: round ${r + 1}`)
  add('http memory', await measure({}, 'http'))
  add('http redis', await measure(redis, 'http'))
  add('udp memory', await measure({}, 'udp'))
  add('udp redis', await measure(redis, 'udp'))
  add('udp redis, 25 swarms of 2,000', await measure(redis, 'udp', { hashes: hashes.slice(0, 25), peersPerTorrent: 2000 }))
  add('http redis, 2 workers', await measure({ ...redis, TRACKER_WORKERS: '2' }, 'http'))
  add('udp redis, 2 workers', await measure({ ...redis, TRACKER_WORKERS: '2' }, 'udp'))
  console.error(`shared store: round ${r + 1} done`)
}
const rates = Object.fromEntries(Object.entries(runs).map(([name, list]) => [name, summary(list)]))

/** Redis memory per peer: used_memory growth over `peers` peers in swarms of `perSwarm`. */
async function memoryPerPeer (peers: number, perSwarm: number): Promise<number> {
  await flush()
  const client = new Redis(server.port, { enableAutoPipelining: true })
  const usedMemory = async (): Promise<number> => Number((await client.info('memory')).match(/used_memory:(\d+)/)?.[1])
  const store = new RedisPeerStore({ redis: client, prefix: 'trk:', peerTimeout: 1800, similarity: true })
  const before = await usedMemory()
  const swarms = Array.from({ length: peers / perSwarm }, () => randomBytes(20))
  for (let start = 0; start < peers; start += 1000) {
    await Promise.all(Array.from({ length: 1000 }, async (_, i) => {
      const n = start + i
      const endpoint = Buffer.from([10, (n >> 16) & 255, (n >> 8) & 255, n & 255, 0x1a, 0xe1])
      await store.announce({ infoHash: swarms[n % swarms.length], peerId: randomBytes(20), endpoint, uploaded: 0, downloaded: 0, left: n % 3 === 0 ? 0 : 1000, event: EVENT_STARTED, numwant: 0, key: n + 1, wantPeerIds: false, wantOtherFamily: false })
    }))
  }
  const grown = await usedMemory() - before
  client.disconnect()
  return Math.round(grown / peers)
}
const memory = { at10: await memoryPerPeer(100_000, 10), at50: await memoryPerPeer(100_000, 50) }

await server.stop()
rmSync(dir, { recursive: true, force: true })
const results = { rates, bytesPerPeer: memory }
console.error(sharedStoreMarkdown(results))
console.log(JSON.stringify(results))
