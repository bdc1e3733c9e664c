import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { RedisPeerStore } from '../lib/store/redis/redis-peer-store.ts'
import { EVENT_NONE } from '../lib/store/peer-store.ts'

const port = Number(process.argv[2])
const redis = new Redis(port, { enableAutoPipelining: true })
await redis.flushall()
const store = new RedisPeerStore({ redis, prefix: 'trk:', peerTimeout: 1800, similarity: true })
const hashes = Array.from({ length: 1000 }, () => randomBytes(20))
const peers = Array.from({ length: 50000 }, (_, n) => ({ infoHash: hashes[n % 1000], peerId: randomBytes(20), endpoint: Buffer.from([10, (n >> 16) & 255, (n >> 8) & 255, n & 255, 0x1a, 0xe1]), uploaded: 0, downloaded: 0, left: n % 3 === 0 ? 0 : 1000, event: EVENT_NONE as 0, numwant: 50, key: n + 1, wantPeerIds: false, wantOtherFamily: true }))
async function run (count: number): Promise<void> {
  let i = 0
  await Promise.all(Array.from({ length: 64 }, async () => { while (i < count) await store.announce(peers[(i++ * 7919) % peers.length]) }))
}
for (let s = 0; s < 50000; s += 5000) await Promise.all(peers.slice(s, s + 5000).map(async p => await store.announce(p)))
const cpu = async (): Promise<number> => { const info = await redis.info('cpu'); return Number(info.match(/used_cpu_user:([\d.]+)/)?.[1]) + Number(info.match(/used_cpu_sys:([\d.]+)/)?.[1]) }
const N = 30000
const r0 = await cpu(); const n0 = process.cpuUsage(); const t0 = performance.now()
await run(N)
const t1 = performance.now(); const n1 = process.cpuUsage(n0); const r1 = await cpu()
console.log(JSON.stringify({ rps: Math.round(N / ((t1 - t0) / 1000)), nodeUs: +((n1.user + n1.system) / N).toFixed(1), redisUs: +((r1 - r0) * 1e6 / N).toFixed(1) }))
redis.disconnect()
