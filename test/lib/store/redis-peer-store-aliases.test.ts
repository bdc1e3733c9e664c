import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { RedisPeerStore } from '../../../lib/store/redis/redis-peer-store.ts'
import { EVENT_NONE } from '../../../lib/store/peer-store.ts'
import { redisMissing } from '../../helpers/redis.ts'
import { announceOf, clockedStore, functionCalls, hashIn, ownServer, v4, v6 } from './redis-store-fixtures.ts'

/** `hex` with its digit at `at` (past the first 10, before the last 5) changed: a similar hash. */
function similar (hex: string, at: number): string {
  return hex.slice(0, at) + (hex[at] === '0' ? '1' : '0') + hex.slice(at + 1)
}

/**
 * Aliases and similar hashes: where an announce, scrape, complete or listing of one lands, and
 * what it costs in function calls (round trips). This file must have its redis-server alone.
 */
describe('RedisPeerStore: aliases and similar hashes', { skip: redisMissing, timeout: 20_000 }, async () => {
  const { redis, admin } = await ownServer()

  test('a similar hash joins the swarm it resembles and is remembered: one round trip from its second announce on', async () => {
    const { store } = clockedStore(redis)
    const t = hashIn('20', 'a')
    const [s1, s2] = [similar(t, 12), similar(t, 20)]
    assert.equal(await functionCalls(admin, async () => await store.announce(announceOf(t, v4(1)))), 1)
    let r = await store.announce(announceOf(s1, v4(2)))
    assert.deepEqual([r.complete, r.incomplete, [...r.peers]], [0, 2, [...v4(1)]])
    assert.equal(await functionCalls(admin, async () => { r = await store.announce(announceOf(s1, v4(3))) }), 1)
    assert.equal(r.incomplete, 3)
    assert.equal(await functionCalls(admin, async () => await store.announce(announceOf(s2, v4(4)))), 2, 'redirected, then served')
    assert.equal(await functionCalls(admin, async () => {
      await store.announce(announceOf(s1, v4(5)))
      r = await store.announce(announceOf(s2, v4(6)))
    }), 2, 'both remembered')
    assert.equal(r.incomplete, 6)
    const { total, torrents } = await store.list({ infoHash: s2, limit: 1, offset: 0 })
    assert.equal(total, 1)
    assert.deepEqual([torrents[0].info_hash, torrents[0].incomplete, torrents[0].aliases.sort()], [t, 6, [s1, s2].sort()])
  })

  test('a remembered alias whose torrent was removed by another process: the hash becomes a torrent of its own', async () => {
    const { store } = clockedStore(redis)
    const other = new RedisPeerStore({ redis, prefix: store.prefix, peerTimeout: 1800, similarity: true })
    const t = hashIn('21', 'a')
    const s = similar(t, 14)
    await store.announce(announceOf(t, v4(1)))
    await store.announce(announceOf(s, v4(2)))
    assert.equal(await other.remove(t), true)
    const r = await store.announce(announceOf(s, v4(3)))
    assert.deepEqual([r.complete, r.incomplete, r.peers.length], [0, 1, 0])
    assert.deepEqual((await store.list({ limit: 10, offset: 0 })).torrents.map(x => [x.info_hash, x.incomplete]), [[s, 1]])
  })

  test('an alias in another group (from a state file) leads to its torrent on every announce: two round trips each', async () => {
    const { store } = clockedStore(redis)
    const t = hashIn('30', 'a')
    const x = hashIn('40', 'b')
    assert.deepEqual(await store.restore({ infoHash: t, info: null, completed: 3, peers: [], aliases: [x] }), { peers: 0, expired: 0 })
    let r = await store.announce(announceOf(x, v4(1)))
    assert.deepEqual([r.complete, r.incomplete, r.downloaded], [0, 1, 3])
    assert.equal(await functionCalls(admin, async () => { r = await store.announce(announceOf(x, v4(2))) }), 2)
    assert.equal(await functionCalls(admin, async () => { r = await store.announce(announceOf(x, v4(3))) }), 2)
    assert.deepEqual([r.incomplete, [...r.peers].length], [3, 12])
    assert.deepEqual(await store.scrape([Buffer.from(x, 'hex')]), [{ complete: 0, incomplete: 3, downloaded: 3 }])
    assert.deepEqual((await store.list({ limit: 10, offset: 0 })).torrents.map(s => [s.info_hash, s.aliases]), [[t, [x]]])
  })

  test('removing a torrent unlinks its aliases in other groups: announced, such a hash is a torrent of its own', async () => {
    const { store } = clockedStore(redis)
    const t = hashIn('32', 'a')
    const x = hashIn('42', 'b')
    const y = hashIn('43', 'b')
    await store.restore({ infoHash: t, info: null, completed: 3, peers: [], aliases: [x, y] })
    await store.restore({ infoHash: hashIn('33', 'a'), info: null, completed: 0, peers: [], aliases: [y] })
    assert.equal(await store.remove(t), true)
    const r = await store.announce(announceOf(x, v4(1)))
    assert.deepEqual([r.incomplete, r.downloaded], [1, 0])
    assert.deepEqual((await store.list({ limit: 10, offset: 0 })).torrents.map(s => s.info_hash), [hashIn('33', 'a'), x])
    assert.deepEqual(await store.scrape([Buffer.from(y, 'hex')]), [{ complete: 0, incomplete: 0, downloaded: 0 }])
  })

  test('restoring aliases: one call for one in the torrent\'s group, two for one elsewhere', async () => {
    const { store } = clockedStore(redis)
    const t = hashIn('31', 'a')
    const near = hashIn('31', 'c')
    const far = hashIn('41', 'c')
    assert.equal(await functionCalls(admin, async () => await store.restore({ infoHash: t, info: null, completed: 0, peers: [], aliases: [near] })), 2)
    assert.equal(await functionCalls(admin, async () => await store.restore({ infoHash: t, info: null, completed: 0, peers: [], aliases: [far] })), 3)
    const [summary] = (await store.list({ infoHash: far, limit: 1, offset: 0 })).torrents
    assert.deepEqual([summary.info_hash, summary.aliases], [t, [near, far]])
    assert.equal((await store.announce(announceOf(near, v4(1)))).incomplete, 1)
    assert.equal((await store.announce(announceOf(far, v4(2)))).incomplete, 2)
  })

  test('an alias elsewhere that becomes a torrent of its own leaves its former torrent\'s list', async () => {
    const { store } = clockedStore(redis)
    const t = hashIn('50', 'a')
    const x = hashIn('60', 'b')
    const y = hashIn('61', 'b')
    await store.restore({ infoHash: t, info: null, completed: 0, peers: [], aliases: [x, y] })
    assert.equal(await store.setInfo(x, { name: 'x' }), 'added')
    assert.deepEqual((await store.list({ infoHash: t, limit: 1, offset: 0 })).torrents[0].aliases, [y])
    await store.restore({ infoHash: y, info: null, completed: 1, peers: [], aliases: [] })
    assert.deepEqual((await store.list({ infoHash: t, limit: 1, offset: 0 })).torrents[0].aliases, [])
    assert.deepEqual(await store.scrape([Buffer.from(y, 'hex')]), [{ complete: 0, incomplete: 0, downloaded: 1 }])
    assert.equal(await functionCalls(admin, async () => await store.setInfo(hashIn('51', 'f'), {})), 1, 'a new torrent that was no alias: one call')
    assert.equal(await functionCalls(admin, async () => await store.setInfo(hashIn('51', 'f'), { size: 1 })), 1)
  })

  test('complete counts on the torrent a similar hash resembles, only with similarity on; one call for a torrent', async () => {
    const on = clockedStore(redis).store
    const off = clockedStore(redis, { similarity: false }).store
    const whitelist = clockedStore(redis, { registeredOnly: true }).store
    const t = hashIn('70', 'a')
    const s = similar(t, 15)
    for (const store of [on, off, whitelist]) await store.setInfo(t, {})
    assert.equal(await functionCalls(admin, async () => await on.complete(Buffer.from(s, 'hex'))), 2)
    assert.equal(await functionCalls(admin, async () => await on.complete(Buffer.from(t, 'hex'))), 1)
    assert.deepEqual(await on.scrape([Buffer.from(t, 'hex'), Buffer.from(s, 'hex')]), [
      { complete: 0, incomplete: 0, downloaded: 2 }, { complete: 0, incomplete: 0, downloaded: 2 }
    ])
    await off.complete(Buffer.from(s, 'hex'))
    assert.deepEqual(await off.scrape([Buffer.from(t, 'hex'), Buffer.from(s, 'hex')]), [
      { complete: 0, incomplete: 0, downloaded: 0 }, { complete: 0, incomplete: 0, downloaded: 1 }
    ])
    assert.equal(await functionCalls(admin, async () => await whitelist.complete(Buffer.from(s, 'hex'))), 1, 'refused at once')
    assert.equal((await whitelist.totals()).completed, 0)
  })

  test('scrape: a never-seen similar hash or an alias elsewhere is answered by its torrent, both families counted', async () => {
    const on = clockedStore(redis).store
    const off = clockedStore(redis, { similarity: false }).store
    const t = hashIn('80', 'a')
    const s = similar(t, 11)
    const x = hashIn('90', 'b')
    for (const store of [on, off]) {
      await store.restore({ infoHash: t, info: { name: 'tee' }, completed: 4, peers: [], aliases: [x] })
      await store.announce(announceOf(t, v4(1), { left: 0 }))
      await store.announce(announceOf(t, v6(2), { left: 0 }))
      await store.announce(announceOf(t, v6(3)))
      await store.announce(announceOf(t, v6(4), { left: 0 }))
    }
    const entry = { complete: 3, incomplete: 1, downloaded: 4, name: 'tee' }
    assert.deepEqual(await on.scrape([t, s, x].map(h => Buffer.from(h, 'hex'))), [entry, entry, entry])
    assert.deepEqual(await off.scrape([t, s, x].map(h => Buffer.from(h, 'hex'))), [entry, { complete: 0, incomplete: 0, downloaded: 0 }, entry])
    const [summary] = (await off.list({ infoHash: x, limit: 1, offset: 0 })).torrents
    assert.deepEqual([summary.complete, summary.incomplete, summary.downloaded, summary.info], [3, 1, 4, { name: 'tee' }])
  })

  test('without similarity a similar hash is a torrent of its own', async () => {
    const { store } = clockedStore(redis, { similarity: false })
    const t = hashIn('71', 'a')
    await store.announce(announceOf(t, v4(1)))
    const r = await store.announce(announceOf(similar(t, 13), v4(2), { event: EVENT_NONE }))
    assert.deepEqual([r.complete, r.incomplete, r.peers.length], [0, 1, 0])
    assert.equal((await store.totals()).torrents, 2)
  })
})
