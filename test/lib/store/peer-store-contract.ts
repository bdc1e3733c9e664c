import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  EVENT_COMPLETED, EVENT_NONE, EVENT_STOPPED, UNREGISTERED, type AnnounceEvent, type AnnounceRequest, type PeerSnapshot, type PeerStore, type TorrentSnapshot
} from '../../../lib/store/peer-store.ts'

/** A snapshot as plain data: the Buffers a store lends are copied into hex. */
export async function collect (store: PeerStore): Promise<unknown[]> {
  const out: unknown[] = []
  for await (const t of store.snapshot()) {
    out.push({
      ...t,
      peers: [...t.peers].map(p => ({ ...p, peerId: p.peerId.toString('hex'), endpoint: p.endpoint.toString('hex') })).sort((a, b) => a.endpoint.localeCompare(b.endpoint)),
      aliases: [...t.aliases].sort()
    })
  }
  return out.sort((a, b) => (a as TorrentSnapshot).infoHash.localeCompare((b as TorrentSnapshot).infoHash))
}

/** Announces to `hash` from port `port` of 10.0.0.1, each with a peer id of its own. */
function requests (hash: Buffer): (port: number, left: number, event?: AnnounceEvent, extra?: Partial<AnnounceRequest>) => AnnounceRequest {
  let next = 1
  return (port, left, event = EVENT_NONE, extra = {}) => ({
    infoHash: hash,
    peerId: Buffer.alloc(20, next++),
    endpoint: Buffer.from([10, 0, 0, 1, port >> 8, port & 255]),
    uploaded: 0,
    downloaded: 0,
    left,
    event,
    numwant: 50,
    key: 0,
    wantPeerIds: false,
    wantOtherFamily: true,
    ...extra
  })
}

/**
 * What every PeerStore must do, whatever keeps the swarms: run it against each implementation
 * (the in-memory store now, a shared store later) so that front ends can rely on it.
 */
export function peerStoreContract (name: string, create: () => PeerStore, registeredOnly: () => PeerStore): void {
  const hash = Buffer.alloc(20, 7)
  const req = requests(hash)

  test(`${name}: a reply never contains the announcer and counts seeders and leechers`, async () => {
    const store = create()
    await store.announce(req(1, 0))
    const r = await store.announce(req(2, 5))
    assert.deepEqual([...r.peers], [10, 0, 0, 1, 0, 1])
    assert.equal(r.complete, 1)
    assert.equal(r.incomplete, 1)
    const again = await store.announce(req(2, 5))
    assert.equal(again.peers.length, 6)
  })

  test(`${name}: stopped removes, completed counts once per peer`, async () => {
    const store = create()
    await store.announce(req(1, 5))
    assert.equal((await store.announce(req(1, 0, EVENT_COMPLETED))).downloaded, 1)
    assert.equal((await store.announce(req(1, 0, EVENT_COMPLETED))).downloaded, 1)
    const stopped = await store.announce(req(1, 0, EVENT_STOPPED))
    assert.equal(stopped.complete + stopped.incomplete, 0)
    assert.deepEqual(await store.scrape([hash, Buffer.alloc(20, 9)]), [
      { complete: 0, incomplete: 0, downloaded: 1 },
      { complete: 0, incomplete: 0, downloaded: 0 }
    ])
  })

  test(`${name}: peer ids are returned in reply order when asked for`, async () => {
    const store = create()
    const first = req(1, 5)
    await store.announce(first)
    const r = await store.announce(req(2, 5, EVENT_NONE, { wantPeerIds: true }))
    assert.deepEqual(r.peerIds, [first.peerId])
  })

  test(`${name}: a reply carries the other address family only when asked (HTTP yes, UDP no)`, async () => {
    const store = create()
    const v6 = Buffer.alloc(18)
    v6.writeUInt16BE(0x2001, 0)
    v6.writeUInt16BE(6881, 16)
    await store.announce(req(0, 5, EVENT_NONE, { endpoint: v6 }))
    await store.announce(req(1, 5))
    const http = await store.announce(req(2, 5))
    assert.deepEqual([...http.peers], [10, 0, 0, 1, 0, 1])
    assert.deepEqual([...http.peers6], [...v6])
    const udp = await store.announce(req(2, 5, EVENT_NONE, { wantOtherFamily: false }))
    assert.deepEqual([...udp.peers], [10, 0, 0, 1, 0, 1])
    assert.equal(udp.peers6.length, 0)
    assert.equal(udp.incomplete, 3, 'counts still cover both families')
  })

  test(`${name}: metadata is added, then updated, and listed with totals`, async () => {
    const store = create()
    const hex = hash.toString('hex')
    assert.equal(await store.setInfo(hex, { name: 'a' }), 'added')
    assert.equal(await store.setInfo(hex, { size: 3 }), 'updated')
    await store.announce(req(1, 0, EVENT_NONE, { uploaded: 10 }))
    const page = await store.list({ limit: 10, offset: 0 })
    assert.equal(page.total, 1)
    assert.deepEqual(page.torrents[0].info, { name: 'a', size: 3 })
    assert.deepEqual(await store.totals(), { torrents: 1, peers: 1, seeders: 1, leechers: 0, completed: 0, uploaded: 10, downloaded: 0 })
    assert.equal((await store.scrape([hash]))[0].name, 'a')
  })

  test(`${name}: transfer totals follow re-announces and stops exactly, huge counters included`, async () => {
    const store = create()
    const big = 3 * 2 ** 40 + 777 // past 512 GiB: a store may round, but never drift
    const peer = req(1, 5, EVENT_NONE, { uploaded: big, downloaded: 7 })
    await store.announce(peer)
    const first = await store.totals()
    assert.ok(Math.abs(first.uploaded - big) < 1024, `uploaded ${first.uploaded}`)
    assert.equal(first.downloaded, 7)
    await store.announce({ ...peer, uploaded: big * 2, downloaded: 9 })
    const second = await store.totals()
    assert.ok(Math.abs(second.uploaded - big * 2) < 1024, `uploaded ${second.uploaded}`)
    assert.equal(second.downloaded, 9)
    await store.announce({ ...peer, event: EVENT_STOPPED })
    const after = await store.totals()
    assert.equal(after.uploaded, 0)
    assert.equal(after.downloaded, 0)
  })

  test(`${name}, registered torrents only: any other hash is refused and nothing is stored for it`, async () => {
    const store = registeredOnly()
    const hex = hash.toString('hex')
    const similar = Buffer.from(hash)
    similar[7] ^= 1 // equal in the first 10 and last 5 hex digits: an alias elsewhere
    await assert.rejects(async () => await store.announce(req(1, 5)), { name: 'ClientError', message: UNREGISTERED })
    await assert.rejects(async () => await store.scrape([hash]), { name: 'ClientError', message: UNREGISTERED })
    assert.equal((await store.totals()).torrents, 0)
    await store.setInfo(hex, {})
    assert.equal((await store.announce(req(1, 5))).incomplete, 1)
    await assert.rejects(async () => await store.announce(req(2, 5, EVENT_NONE, { infoHash: similar })), { message: UNREGISTERED }, 'a similar hash is not let in')
    assert.deepEqual(await store.scrape([hash]), [{ complete: 0, incomplete: 1, downloaded: 0 }])
    assert.equal(await store.remove(hex), true)
    await assert.rejects(async () => await store.announce(req(1, 5)), { message: UNREGISTERED }, 'unregistered again')
    assert.deepEqual(await store.totals(), { torrents: 0, peers: 0, seeders: 0, leechers: 0, completed: 0, uploaded: 0, downloaded: 0 })
  })

  test(`${name}: complete counts a download seen elsewhere (WebSocket) on the torrent that serves the hash`, async () => {
    const store = create()
    const fresh = Buffer.alloc(20, 0x42)
    await store.complete(fresh)
    await store.complete(fresh)
    assert.deepEqual(await store.scrape([fresh]), [{ complete: 0, incomplete: 0, downloaded: 2 }], 'a new torrent, kept for its count')
    assert.deepEqual(await store.totals(), { torrents: 1, peers: 0, seeders: 0, leechers: 0, completed: 2, uploaded: 0, downloaded: 0 })
    await store.announce(req(1, 5))
    assert.equal((await store.announce(req(1, 0, EVENT_COMPLETED))).downloaded, 1)
    const alias = '07'.repeat(10) + 'cd'.repeat(10)
    await store.restore({ infoHash: hash.toString('hex'), info: null, completed: 0, peers: [], aliases: [alias] })
    await store.complete(Buffer.from(alias, 'hex'))
    assert.deepEqual(await store.scrape([hash]), [{ complete: 1, incomplete: 0, downloaded: 2 }], 'counted on the torrent its alias names')
    assert.equal((await store.list({ infoHash: alias, limit: 1, offset: 0 })).torrents[0]?.downloaded, 2)
    assert.equal((await store.totals()).torrents, 2, 'no torrent made for the alias')
    assert.equal((await collect(store)).length, 2)

    const whitelist = registeredOnly()
    await whitelist.complete(fresh)
    assert.deepEqual(await whitelist.totals(), { torrents: 0, peers: 0, seeders: 0, leechers: 0, completed: 0, uploaded: 0, downloaded: 0 }, 'an unregistered hash counts nothing')
    await whitelist.setInfo(fresh.toString('hex'), {})
    await whitelist.complete(fresh)
    assert.deepEqual(await whitelist.scrape([fresh]), [{ complete: 0, incomplete: 0, downloaded: 1 }])
  })

  test(`${name}: remove unregisters a torrent with its peers, counts, metadata and aliases`, async () => {
    const store = create()
    const hex = hash.toString('hex')
    const other = Buffer.alloc(20, 3)
    await store.setInfo(hex, { name: 'gone' })
    await store.announce(req(1, 0, EVENT_COMPLETED, { uploaded: 7 }))
    await store.announce(req(2, 5, EVENT_NONE, { downloaded: 3 }))
    await store.announce(req(3, 5, EVENT_NONE, { infoHash: other }))
    const alias = '07'.repeat(10) + 'ab'.repeat(10)
    await store.restore({ infoHash: hex, info: null, completed: 0, peers: [], aliases: [alias] })
    assert.equal(await store.remove(hex), true)
    assert.equal(await store.remove(hex), false, 'a second time: not there')
    assert.deepEqual(await store.totals(), { torrents: 1, peers: 1, seeders: 0, leechers: 1, completed: 0, uploaded: 0, downloaded: 0 })
    assert.deepEqual(await store.scrape([hash]), [{ complete: 0, incomplete: 0, downloaded: 0 }])
    assert.equal((await store.list({ infoHash: alias, limit: 1, offset: 0 })).total, 0, 'its alias went with it')
    assert.deepEqual((await store.list({ limit: 10, offset: 0 })).torrents.map(t => t.info_hash), [other.toString('hex')])
    const again = await store.announce(req(4, 5))
    assert.equal(again.complete + again.incomplete, 1, 'announced again, it starts afresh')
    assert.equal(again.downloaded, 0)
  })

  test(`${name}: snapshot then restore into an empty store gives the same store`, async () => {
    const store = create()
    const other = Buffer.alloc(20, 9)
    await store.announce(req(1, 0, EVENT_COMPLETED, { key: 77, uploaded: 5, downloaded: 6 }))
    await store.announce(req(2, 10))
    await store.announce(req(3, 0, EVENT_NONE, { endpoint: Buffer.from([0x20, 0x01, 0x0d, 0xb8, ...Buffer.alloc(12, 1), 0x1a, 0xe1]) }))
    await store.announce(req(4, 3, EVENT_NONE, { infoHash: other }))
    await store.setInfo(hash.toString('hex'), { name: 'n', size: 9 })
    const copy = create()
    for await (const t of store.snapshot()) await copy.restore(t)
    assert.deepEqual(await collect(copy), await collect(store))
    assert.deepEqual(await copy.totals(), await store.totals())
    assert.deepEqual(await copy.scrape([hash, other]), await store.scrape([hash, other]))
    const first = (await collect(store))[0] as TorrentSnapshot
    assert.equal(first.completed, 1)
    assert.equal(first.peers.length, 3)
    assert.deepEqual([...first.peers].map(p => p.counted).sort(), [false, false, true])
    await copy.clear()
    assert.deepEqual(await collect(copy), [])
    assert.equal((await copy.totals()).torrents, 0)
  })

  test(`${name}: restore merges: no duplicate peer, the larger completed count, expired peers left out, aliases`, async () => {
    const store = create()
    const hex = hash.toString('hex')
    const now = Math.floor(Date.now() / 1000)
    const peer = (port: number, seen: number): PeerSnapshot => ({
      peerId: Buffer.alloc(20, port), endpoint: Buffer.from([10, 0, 0, 2, 0, port]), uploaded: 1, downloaded: 2, left: port % 2, seen, key: 0, counted: false
    })
    const alias = 'ab'.repeat(20)
    const first = await store.restore({ infoHash: hex, info: { name: 'a' }, completed: 5, peers: [peer(1, now), peer(2, 0)], aliases: [alias] })
    assert.deepEqual(first, { peers: 1, expired: 1 })
    const second = await store.restore({ infoHash: hex, info: { size: 3 }, completed: 2, peers: [peer(1, now), peer(3, now)], aliases: [hex] })
    assert.deepEqual(second, { peers: 1, expired: 0 })
    const [t] = await collect(store) as TorrentSnapshot[]
    assert.equal(t.completed, 5)
    assert.equal(t.peers.length, 2)
    assert.deepEqual(t.info, { name: 'a', size: 3 })
    assert.deepEqual(t.aliases, [alias], 'an alias that is the torrent itself is left out')
    // The alias is served by the torrent's swarm.
    assert.deepEqual(await store.scrape([Buffer.from(alias, 'hex')]), await store.scrape([hash]))
  })
}

/**
 * The contract's part on what a store keeps of each peer and torrent (snapshots, summaries, what
 * a restore registers): run beside peerStoreContract by every implementation.
 */
export function peerStoreRecordsContract (name: string, create: () => PeerStore, registeredOnly: () => PeerStore): void {
  const hash = Buffer.alloc(20, 7)
  const req = requests(hash)

  test(`${name}: a snapshot gives each peer as it last announced, and a torrent without metadata or aliases as null and none`, async () => {
    const store = create()
    const before = Math.floor(Date.now() / 1000)
    const peer = req(1, 7, EVENT_NONE, { key: 42, uploaded: 5, downloaded: 6 })
    await store.announce(peer)
    const after = Math.floor(Date.now() / 1000)
    const torrents: TorrentSnapshot[] = []
    for await (const t of store.snapshot()) torrents.push({ ...t, peers: [...t.peers].map(p => ({ ...p, peerId: Buffer.from(p.peerId), endpoint: Buffer.from(p.endpoint) })) })
    assert.equal(torrents.length, 1)
    const [{ peers, ...torrent }] = torrents
    assert.deepEqual(torrent, { infoHash: hash.toString('hex'), info: null, completed: 0, aliases: [] })
    const [{ seen, ...kept }] = [...peers]
    assert.deepEqual(kept, { peerId: peer.peerId, endpoint: peer.endpoint, uploaded: 5, downloaded: 6, left: 7, key: 42, counted: false })
    assert.ok(seen >= before && seen <= after, `seen ${seen}, announced between ${before} and ${after}`)
  })

  test(`${name}, registered torrents only: a restored torrent is registered if it comes with metadata, even empty, and only then`, async () => {
    const store = registeredOnly()
    const other = Buffer.alloc(20, 8)
    await store.restore({ infoHash: hash.toString('hex'), info: null, completed: 0, peers: [], aliases: [] })
    // The text is the failure reason clients are sent.
    await assert.rejects(async () => await store.announce(req(1, 5)), { message: 'unregistered torrent' })
    await store.restore({ infoHash: other.toString('hex'), info: {}, completed: 0, peers: [], aliases: [] })
    assert.equal((await store.announce(req(2, 5, EVENT_NONE, { infoHash: other }))).incomplete, 1)
  })

  test(`${name}: a torrent's summary sums the transfer counters of the peers it has now, not of those gone`, async () => {
    const store = create()
    const peers = [1, 2, 3].map(n => req(n, 5, EVENT_NONE, { uploaded: 100 * n, downloaded: n }))
    for (const peer of peers) await store.announce(peer)
    await store.announce({ ...peers[0], event: EVENT_STOPPED })
    const [summary] = (await store.list({ limit: 1, offset: 0 })).torrents
    assert.deepEqual([summary.uploaded, summary.downloaded_bytes, summary.incomplete], [500, 5, 2])
  })

  test(`${name}: a leecher announcing again with data left is no download; once nothing is left it is one`, async () => {
    const store = create()
    const leecher = req(1, 5)
    await store.announce(leecher)
    assert.equal((await store.announce(leecher)).downloaded, 0)
    assert.equal((await store.totals()).completed, 0)
    assert.equal((await store.announce({ ...leecher, left: 0 })).downloaded, 1)
    assert.equal((await store.totals()).completed, 1)
  })
}
