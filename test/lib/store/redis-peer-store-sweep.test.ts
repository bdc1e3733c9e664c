import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { createRedis, connectRedis } from '../../../lib/store/redis/connect.ts'
import type { RedisPeerStore } from '../../../lib/store/redis/redis-peer-store.ts'
import { TEST_TIMEOUT, redisMissing, startRedis } from '../../helpers/redis.ts'
import { announceOf, clockedStore, hashIn, v4 } from './redis-store-fixtures.ts'

/** Each torrent still kept, with its leecher count. */
async function kept (store: RedisPeerStore): Promise<Record<string, number>> {
  const { torrents } = await store.list({ limit: 100, offset: 0 })
  return Object.fromEntries(torrents.map(t => [t.info_hash.slice(0, 4), t.incomplete]))
}

describe('RedisPeerStore.sweepStep: the idle-swarm sweep', { skip: redisMissing, timeout: 20_000 }, async () => {
  const server = await startRedis()
  const redis = createRedis(server.url, TEST_TIMEOUT)
  after(async () => { redis.disconnect(); await server.stop() })
  await connectRedis(redis)

  test('visits at most `budget` torrents a step, in order, resuming after the last one, group after group', async () => {
    const { store, clock } = clockedStore(redis, { peerTimeout: 100 })
    const [a, b, c, d, e, f] = [hashIn('00', 'a'), hashIn('00', 'b'), hashIn('00', 'c'), hashIn('01', 'd'), hashIn('ff', 'e'), hashIn('ff', 'f')]
    for (const [n, hex] of [a, b, c, d, e, f].entries()) await store.announce(announceOf(hex, v4(n)))
    clock.now += 50
    await store.announce(announceOf(a, v4(10)))
    await store.announce(announceOf(e, v4(11)))
    // The peers of the first announces are silent for longer than the timeout now; those of A
    // and E are not, so A and E stay, and every other torrent goes when visited.
    clock.now += 70
    assert.deepEqual(await kept(store), { '00aa': 2, '00bb': 1, '00cc': 1, '01dd': 1, ffee: 2, ffff: 1 })

    await store.sweepStep(1)
    assert.deepEqual(await kept(store), { '00aa': 1, '00bb': 1, '00cc': 1, '01dd': 1, ffee: 2, ffff: 1 }, 'A only: its silent peer went')
    await store.sweepStep(1)
    assert.deepEqual(await kept(store), { '00aa': 1, '00cc': 1, '01dd': 1, ffee: 2, ffff: 1 }, 'then B, after A')
    await store.sweepStep(2)
    assert.deepEqual(await kept(store), { '00aa': 1, ffee: 2, ffff: 1 }, 'C, the end of group 00, and D in the next group')
    await store.sweepStep(1)
    assert.deepEqual(await kept(store), { '00aa': 1, ffee: 1, ffff: 1 }, 'past the empty groups to E')
    await store.sweepStep(1)
    assert.deepEqual(await kept(store), { '00aa': 1, ffee: 1 }, 'F after E')

    // More budget than torrents: one round of all the groups, and the step ends.
    await store.sweepStep(50)
    assert.deepEqual(await kept(store), { '00aa': 1, ffee: 1 })
    clock.now += 100
    await store.sweepStep(1)
    assert.deepEqual(await kept(store), { '00aa': 1 }, 'that round ended before group ff, where the next step starts')
    await store.sweepStep(1)
    assert.deepEqual(await kept(store), {})
    assert.deepEqual(await store.totals(), { torrents: 0, peers: 0, seeders: 0, leechers: 0, completed: 0, uploaded: 0, downloaded: 0 })
  })

  test('a budget spent partly in one group leaves only the rest for the next', async () => {
    const { store, clock } = clockedStore(redis, { peerTimeout: 100 })
    const hashes = [hashIn('20', 'a'), hashIn('21', 'a'), hashIn('21', 'b'), hashIn('21', 'c')]
    for (const [n, hex] of hashes.entries()) await store.announce(announceOf(hex, v4(n)))
    clock.now += 200
    await store.sweepStep(2)
    assert.deepEqual(await kept(store), { '21bb': 1, '21cc': 1 }, 'the one torrent of group 20, then one of group 21')
  })

  test('keeps a torrent with a live peer, a completed count or metadata; drops only peers silent past the timeout', async () => {
    const { store, clock } = clockedStore(redis, { peerTimeout: 100 })
    const [live, counted, described, idle] = [hashIn('10', 'a'), hashIn('10', 'b'), hashIn('10', 'c'), hashIn('10', 'd')]
    await store.announce(announceOf(live, v4(1)))
    await store.complete(Buffer.from(counted, 'hex'))
    await store.setInfo(described, { name: 'x' })
    await store.announce(announceOf(idle, v4(2)))
    clock.now += 100
    await store.announce(announceOf(live, v4(3)))
    await store.sweepStep(10)
    assert.deepEqual(await kept(store), { '10aa': 2, '10bb': 0, '10cc': 0, '10dd': 1 }, 'a peer seen exactly `peerTimeout` ago stays')
    clock.now += 1
    await store.sweepStep(10)
    assert.deepEqual(await kept(store), { '10aa': 1, '10bb': 0, '10cc': 0 })
  })

  test('after clear, the sweep starts again at the first torrent of the first group', async () => {
    const { store, clock } = clockedStore(redis, { peerTimeout: 100 })
    await store.announce(announceOf(hashIn('00', 'a'), v4(1)))
    await store.announce(announceOf(hashIn('00', 'b'), v4(2)))
    await store.sweepStep(1)
    await store.clear()
    await store.announce(announceOf(hashIn('00', '1'), v4(3)))
    await store.announce(announceOf(hashIn('01', '1'), v4(4)))
    clock.now += 200
    await store.sweepStep(1)
    assert.deepEqual(await kept(store), { '0111': 1 })
  })
})
