import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ClientFilter } from '../../../lib/access/client-filter.ts'
import { withClientFilter, withPasskeys } from '../../../lib/access/filtered-store.ts'
import { Users } from '../../../lib/access/users.ts'
import { ClientError } from '../../../lib/bittorrent/client-error.ts'
import { MemoryPeerStore } from '../../../lib/store/memory/memory-peer-store.ts'
import { EVENT_COMPLETED, type AnnounceRequest, type AnnounceResult, type PeerStore } from '../../../lib/store/peer-store.ts'
import { announceRequest } from '../../helpers/announce-request.ts'

const hash = Buffer.alloc(20, 7)

function req (peerId: string, extra: Partial<AnnounceRequest> = {}): AnnounceRequest {
  return announceRequest({ infoHash: hash, peerId: Buffer.from(peerId.padEnd(20, '0'), 'latin1'), endpoint: Buffer.from([10, 0, 0, peerId.length, 0x1a, 0xe1]), ...extra })
}

const memory = (): MemoryPeerStore => new MemoryPeerStore({ peerTimeout: 1800, similarityThreshold: 0.95 })

/** The same store answering announces with a promise, as the Redis store does. */
function answeringLater (store: MemoryPeerStore): PeerStore {
  return Object.assign(Object.create(store) as PeerStore, { announce: async (r: AnnounceRequest): Promise<AnnounceResult> => store.announce(r) })
}

test('a refused client gets the reason and is in no swarm; an allowed one reaches the store', async () => {
  const store = memory()
  const filtered = withClientFilter(store, new ClientFilter('-qB', ''))
  assert.throws(() => filtered.announce(req('-TR2940-')), (err: unknown) => err instanceof ClientError && err.message === 'client not allowed on this tracker')
  assert.equal((await store.totals()).peers, 0)
  const result = await filtered.announce(req('-qB4650-'))
  assert.equal(result.incomplete, 1)
  // Every other method is the store's own, bound to it.
  assert.deepEqual(await filtered.totals(), await store.totals())
  assert.equal((await filtered.totals()).peers, 1)
  const { scrape } = filtered
  assert.equal((await scrape([hash]))[0]?.incomplete, 1)
  assert.equal(filtered.scrape, scrape, 'a bound method is made once')
  assert.equal(filtered.peerTimeout, store.peerTimeout)
})

test('a private store credits the passkey\'s member once the store took the announce, sync or async', async () => {
  for (const [kind, make] of [['sync', memory], ['async', () => answeringLater(memory())]] as const) {
    const users = new Users(() => 1000)
    const { user, passkey } = users.create('alice', null)
    const store = withPasskeys(make(), users)
    assert.throws(() => store.announce(req('-qB4650-')), /passkey required/, kind)
    assert.throws(() => store.announce(req('-qB4650-', { passkey: passkey + 'x' })), /unknown passkey/, kind)
    const first = store.announce(req('-qB4650-', { passkey, uploaded: 100, downloaded: 1000 }))
    assert.equal(first instanceof Promise, kind === 'async', kind)
    assert.equal((await first).incomplete, 1, kind)
    assert.equal(users.get(user.id)?.completed, 0, `${kind}: an announce without the completed event completes nothing`)
    await store.announce(req('-qB4650-', { passkey, uploaded: 350, downloaded: 4000, event: EVENT_COMPLETED, left: 0 }))
    const figures = users.get(user.id)
    assert.deepEqual([figures?.uploaded, figures?.downloaded, figures?.completed], [250, 3000, 1], kind)
    assert.deepEqual(figures?.torrents, [{ info_hash: hash.toString('hex'), uploaded: 250, downloaded: 3000, completed: 1 }], kind)
  }
})

test('a refused store announce credits nobody', async () => {
  const users = new Users(() => 1000)
  const { user, passkey } = users.create('bob', null)
  const store = withPasskeys(withClientFilter(memory(), new ClientFilter('', '-XL')), users)
  assert.throws(() => store.announce(req('-XL0012-', { passkey, uploaded: 100, downloaded: 100 })), /client not allowed/)
  assert.deepEqual(users.get(user.id)?.torrents, [])
})
