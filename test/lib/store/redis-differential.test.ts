import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, test } from 'node:test'
import { MemoryPeerStore } from '../../../lib/store/memory/memory-peer-store.ts'
import { createRedis, connectRedis } from '../../../lib/store/redis/connect.ts'
import { RedisPeerStore, type RedisClient } from '../../../lib/store/redis/redis-peer-store.ts'
import {
  EVENT_COMPLETED, EVENT_NONE, EVENT_STARTED, EVENT_STOPPED, type AnnounceEvent, type AnnounceRequest, type AnnounceResult
} from '../../../lib/store/peer-store.ts'
import { TEST_TIMEOUT, redisMissing, startRedis, startRedisCluster } from '../../helpers/redis.ts'
import { collect } from './peer-store-contract.ts'

/**
 * The same seeded sequence of announces, scrapes and sweeps against the memory store and the
 * Redis store, on one fake clock: every answer that does not depend on chance must be equal
 * (counts, reply sizes, scrape, totals, the whole snapshot), and every reply must be drawn from
 * the swarm, without the announcer, duplicates, or seeders for a seeder. DIFF_OPS runs longer.
 */
const OPS = Number(process.env.DIFF_OPS ?? 5_000)
const TIMEOUT = 100

/** mulberry32: a small seeded generator, so that a failure can be replayed. */
function generator (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Identity { hash: Buffer, peerId: Buffer, endpoint: Buffer, key: number, left: number }

function endpoints (buffer: Buffer, size: number): string[] {
  const out: string[] = []
  for (let at = 0; at < buffer.length; at += size) out.push(buffer.subarray(at, at + size).toString('hex'))
  return out
}

async function run (redis: RedisClient, seed: number, ops: number): Promise<void> {
  const random = generator(seed)
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]
  let clock = 1_800_000_000
  const now = (): number => clock
  const memory = new MemoryPeerStore({ peerTimeout: TIMEOUT, similarityThreshold: 0.95, now })
  const shared = new RedisPeerStore({ redis, prefix: `d${randomBytes(4).toString('hex')}:`, peerTimeout: TIMEOUT, similarity: true, now })

  const base = Buffer.from(randomBytes(20))
  // Four torrents, the last one similar to the first (equal in its first 10 and last 5 digits).
  const hashes = [base, randomBytes(20), randomBytes(20), Buffer.from(base)]
  hashes[3][6] ^= 0x55
  const identities: Identity[] = []
  for (const hash of hashes) {
    for (let i = 0; i < 60; i++) {
      const v6 = random() < 0.3
      const endpoint = v6 ? Buffer.concat([Buffer.from('20010db8', 'hex'), randomBytes(12), Buffer.from([0x1a, i])]) : Buffer.from([10, i >> 3, i & 7, Math.floor(random() * 4), 0x1a, i])
      identities.push({ hash, peerId: randomBytes(20), endpoint, key: random() < 0.5 ? (1 + Math.floor(random() * 2 ** 30)) : 0, left: random() < 0.3 ? 0 : 1000 })
    }
  }

  const compareAll = async (where: string): Promise<void> => {
    assert.deepEqual(await collect(shared), await collect(memory), `${where}: snapshots differ`)
    assert.deepEqual(await shared.totals(), await memory.totals(), `${where}: totals differ`)
    assert.deepEqual(await shared.scrape(hashes), await memory.scrape(hashes), `${where}: scrape differs`)
  }

  let replies = 0
  for (let op = 0; op < ops; op++) {
    clock += Math.floor(random() * 3)
    if (random() < 0.002) clock += TIMEOUT + Math.floor(random() * 20)
    const roll = random()
    if (roll < 0.01) {
      await Promise.all([memory.sweepStep(10_000), shared.sweepStep(10_000)])
      continue
    }
    const who = pick(identities)
    // Port changes under the same key: the peer moved, a key match.
    if (who.key !== 0 && random() < 0.05) who.endpoint.writeUInt16BE(1024 + Math.floor(random() * 60000), who.endpoint.length - 2)
    if (random() < 0.1) who.left = who.left === 0 ? 1000 : 0
    const e = random()
    const event: AnnounceEvent = e < 0.05 ? EVENT_STOPPED : e < 0.1 ? EVENT_COMPLETED : e < 0.2 ? EVENT_STARTED : EVENT_NONE
    const req: AnnounceRequest = {
      infoHash: who.hash,
      peerId: who.peerId,
      endpoint: Buffer.from(who.endpoint),
      uploaded: Math.floor(random() * 2 ** (random() < 0.01 ? 45 : 20)),
      downloaded: Math.floor(random() * 2 ** 20),
      left: who.left,
      event,
      numwant: random() < 0.1 ? 0 : Math.floor(random() * 200),
      key: who.key,
      wantPeerIds: random() < 0.2,
      wantOtherFamily: random() < 0.7
    }
    const [m, r] = await Promise.all([memory.announce(req), shared.announce(req)]) as [AnnounceResult, AnnounceResult]
    const where = `seed ${seed}, op ${op}`
    assert.deepEqual([r.complete, r.incomplete, r.downloaded], [m.complete, m.incomplete, m.downloaded], `${where}: counts differ`)
    assert.deepEqual([r.peers.length, r.peers6.length, r.peerIds?.length], [m.peers.length, m.peers6.length, m.peerIds?.length], `${where}: reply sizes differ`)

    // The swarm as it is now, from the memory store: the reply must come from it.
    const swarm = new Map<string, { left: number, peerId: string }>()
    const hex = who.hash.toString('hex')
    const own = (await memory.list({ infoHash: hex, limit: 1, offset: 0 })).torrents[0]?.info_hash ?? hex
    for (const t of memory.snapshot()) {
      if (t.infoHash !== own) continue
      for (const p of t.peers) swarm.set(p.endpoint.toString('hex'), { left: p.left, peerId: p.peerId.toString('hex') })
    }
    const got = [...endpoints(r.peers, 6), ...endpoints(r.peers6, 18)]
    assert.equal(new Set(got).size, got.length, `${where}: duplicate peers`)
    for (const [i, ep] of got.entries()) {
      const peer = swarm.get(ep)
      assert.ok(peer !== undefined, `${where}: ${ep} is not in the swarm`)
      assert.notEqual(ep, req.endpoint.toString('hex'), `${where}: the announcer got itself`)
      if (req.left === 0) assert.notEqual(peer.left, 0, `${where}: a seeder got a seeder`)
      if (r.peerIds !== null) assert.equal(r.peerIds[i].toString('hex'), peer.peerId, `${where}: peer id does not match its endpoint`)
    }
    replies += got.length
    if (op % 1000 === 999) await compareAll(where)
  }
  await compareAll(`seed ${seed}, end`)
  assert.ok(replies > ops, `replies carried peers (${replies})`)
}

describe('Redis store against the memory store, same operations', { skip: redisMissing }, async () => {
  const server = await startRedis()
  const redis = createRedis(server.url, TEST_TIMEOUT)
  after(async () => { redis.disconnect(); await server.stop() })
  await connectRedis(redis)
  test(`one redis-server: ${OPS} operations, seed 1`, async () => { await run(redis, 1, OPS) })
})

describe('Redis Cluster store against the memory store, same operations', { skip: redisMissing }, async () => {
  const cluster = await startRedisCluster()
  const redis = createRedis(cluster.url, TEST_TIMEOUT)
  after(async () => { redis.disconnect(); await cluster.stop() })
  await connectRedis(redis)
  test(`3-master cluster: ${Math.floor(OPS / 2)} operations, seed 2`, async () => { await run(redis, 2, Math.floor(OPS / 2)) })
})
