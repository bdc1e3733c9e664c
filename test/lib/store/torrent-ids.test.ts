import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { hashBytes } from '../../../lib/bittorrent/fnv-hash.ts'
import { TorrentIds } from '../../../lib/store/memory/torrent-ids.ts'

/** Two different info hashes whose digests under this TorrentIds' secret seed are equal. */
function collidingPair (ids: TorrentIds): [Buffer, Buffer] {
  const seed = Reflect.get(ids, 'seed') as number
  const pool = randomBytes(20 * 400_000)
  const seen = new Map<number, number>()
  for (let i = 0; i < 400_000; i++) {
    const digest = hashBytes(pool, i * 20, i * 20 + 20, seed)
    const earlier = seen.get(digest)
    if (earlier !== undefined) {
      const a = pool.subarray(earlier * 20, earlier * 20 + 20)
      const b = pool.subarray(i * 20, i * 20 + 20)
      if (!a.equals(b)) return [Buffer.from(a), Buffer.from(b)]
    }
    seen.set(digest, i)
  }
  throw new Error('no collision among 400000 hashes (chance about 1e-8)')
}

test('hashes whose digests collide are told apart by their bytes', () => {
  const ids = new TorrentIds()
  const [a, b] = collidingPair(ids)
  const idA = ids.add(a)
  assert.equal(ids.get(b), -1, 'a hash with the same digest is not the known one')
  const idB = ids.add(b)
  assert.notEqual(idA, idB)
  assert.equal(ids.get(a), idA)
  assert.equal(ids.get(b), idB)
  ids.delete(idA)
  assert.equal(ids.get(a), -1)
  assert.equal(ids.get(b), idB)
  assert.equal(ids.hex(idB), b.toString('hex'))
})

test('a deleted id is forgotten, reused once, and deleting it twice changes nothing', () => {
  const ids = new TorrentIds()
  const hashes = Array.from({ length: 4 }, () => randomBytes(20))
  const added = hashes.map(h => ids.add(h))
  assert.deepEqual(added, [0, 1, 2, 3])
  ids.delete(2)
  assert.equal(ids.get(hashes[2]), -1)
  assert.equal(ids.has(2), false)
  ids.delete(2)
  assert.equal(ids.size, 3)
  for (const [i, h] of hashes.entries()) if (i !== 2) assert.equal(ids.get(h), i)
  const fresh = [randomBytes(20), randomBytes(20)]
  const reused = fresh.map(h => ids.add(h))
  assert.deepEqual(reused, [2, 4], 'the freed id once, then a new one')
  assert.equal(ids.size, 5)
  assert.equal(ids.end, 5)
  assert.deepEqual(fresh.map(h => ids.get(h)), [2, 4])
  assert.equal(ids.hex(2), fresh[0].toString('hex'))
})

test('ids grow past the first thousand with every hash still found', () => {
  const ids = new TorrentIds()
  const hashes = Array.from({ length: 2500 }, () => randomBytes(20))
  for (const h of hashes) ids.add(h)
  assert.ok(ids.capacity >= 2500)
  for (const [i, h] of hashes.entries()) assert.equal(ids.get(h), i)
  assert.equal(ids.get(randomBytes(20)), -1)
})
