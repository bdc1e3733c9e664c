import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { storedCounter } from '../../../lib/store/memory/peer-record.ts'
import { PeerTable } from '../../../lib/store/memory/peer-table.ts'
import type { SwarmPeers } from '../../../lib/store/memory/swarm-peers.ts'

/** One swarm's peers against a plain model: peer number -> what was last written for it. */
interface Peer { endpoint: Buffer, key: number, left: number, seen: number, flags: number, uploaded: number, downloaded: number }

type Op =
  | { announce: number, left: number, keyed: boolean, move: boolean, flags: number, uploaded: number }
  | { remove: number }
  | { expire: number }
  | { sample: { seeding: boolean, want: number, skip: number } }
  | { reserve: number }

function endpointOf (n: number, version: number, length: number): Buffer {
  const b = Buffer.alloc(length)
  b.writeUInt16BE(n, 0)
  b[2] = version
  b.writeUInt16BE(6881 + n, length - 2)
  return b
}

const keyOf = (n: number): number => (n * 2654435761) | 1

function op (peers: number): fc.Arbitrary<Op> {
  const n = fc.integer({ min: 0, max: peers - 1 })
  return fc.oneof(
    { weight: 8, arbitrary: fc.record({ announce: n, left: fc.constantFrom(0, 0, 1, 5, 2 ** 39 + 4096), keyed: fc.boolean(), move: fc.boolean(), flags: fc.constantFrom(0, 1), uploaded: fc.constantFrom(0, 7, 2 ** 40 + 5) }) },
    // Large swarms lose peers more slowly, so that they pass the size where an index is built.
    { weight: peers > 50 ? 1 : 3, arbitrary: n.map(remove => ({ remove })) },
    { weight: 1, arbitrary: fc.integer({ min: peers > 50 ? 80 : 0, max: 4 * peers }).map(expire => ({ expire })) },
    { weight: 2, arbitrary: fc.record({ seeding: fc.boolean(), want: fc.integer({ min: 0, max: peers + 2 }), skip: fc.integer({ min: -1, max: peers - 1 }) }).map(sample => ({ sample })) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 * peers }).map(reserve => ({ reserve })) }
  )
}

function verify (swarm: SwarmPeers, model: Map<number, Peer>): void {
  assert.equal(swarm.count, model.size)
  let seeders = 0
  const taken = new Set<number>()
  for (const [n, p] of model) {
    const slot = swarm.find(p.endpoint, 0)
    assert.ok(slot >= 0 && slot < swarm.count, `peer ${n} is found by its endpoint`)
    assert.equal(taken.has(slot), false)
    taken.add(slot)
    assert.equal(swarm.peerId(slot).readUInt32BE(0), n)
    assert.deepEqual(swarm.endpoint(slot), p.endpoint)
    assert.equal(swarm.keyOf(slot), p.key)
    assert.equal(swarm.seenOf(slot), p.seen)
    assert.equal(swarm.flagsOf(slot), p.flags)
    assert.equal(swarm.leftOf(slot), storedCounter(p.left))
    assert.equal(swarm.uploadedOf(slot), storedCounter(p.uploaded))
    assert.equal(swarm.downloadedOf(slot), n)
    assert.equal(slot < swarm.seeders, p.left === 0, 'seeders first')
    if (p.key !== 0) assert.equal(swarm.find(Buffer.alloc(p.endpoint.length, 0xee), p.key), slot, 'found by its key')
    if (p.left === 0) seeders++
  }
  assert.equal(swarm.seeders, seeders)
  assert.equal(swarm.find(Buffer.alloc(swarm.endpointLength, 0xee), 0), -1)
  assert.equal(swarm.find(Buffer.alloc(swarm.endpointLength, 0xee), 12345), -1)
  // The endpoint wins over the key: one peer's endpoint with another's key is the first peer.
  const keyed = [...model.values()].filter(p => p.key !== 0)
  for (const p of model.values()) {
    const other = keyed.find(q => q !== p)
    if (other !== undefined) assert.deepEqual(swarm.endpoint(swarm.find(p.endpoint, other.key)), p.endpoint)
  }
  // Keys of peers that are gone lead nowhere.
  const live = new Set(keyed.map(p => p.key))
  for (let n = 0; n < 130; n++) if (!live.has(keyOf(n))) assert.equal(swarm.find(Buffer.alloc(swarm.endpointLength, 0xee), keyOf(n)), -1, `key of ${n}`)
}

for (const [family, peers] of [[4, 12], [4, 120], [16, 100]] as const) {
  test(`a swarm of up to ${peers} IPv${family === 4 ? 4 : 6} peers behaves as the model through any sequence of operations`, () => {
    fc.assert(fc.property(fc.array(op(peers), { minLength: 1, maxLength: 400, size: 'max' }), ops => {
      const table = new PeerTable(family)
      table.grow(2)
      const model = new Map<number, Peer>()
      const versions = new Map<number, number>()
      let clock = 100
      for (const o of ops) {
        const swarm = table.open(1)
        if ('announce' in o) {
          const n = o.announce
          const old = model.get(n)
          const key = o.keyed ? keyOf(n) : 0
          // Only a peer known by its key may come back from another endpoint.
          const version = (versions.get(n) ?? 0) + (old !== undefined && old.key !== 0 && key === old.key && o.move ? 1 : 0)
          versions.set(n, version)
          const endpoint = endpointOf(n, version, family + 2)
          const peerId = Buffer.alloc(20)
          peerId.writeUInt32BE(n)
          const fields = { peerId, key, uploaded: o.uploaded, downloaded: n, left: o.left }
          const slot = swarm.find(endpoint, key)
          if (old === undefined) {
            assert.equal(slot, -1, `peer ${n} is new`)
            const at = swarm.add(endpoint, fields, clock, o.flags)
            assert.deepEqual(swarm.endpoint(at), endpoint, 'add answers the slot it used')
          } else {
            assert.ok(slot !== -1 && swarm.peerId(slot).readUInt32BE(0) === n, `peer ${n} is found`)
            const at = swarm.update(slot, endpoint, fields, clock, o.flags)
            assert.deepEqual(swarm.endpoint(at), endpoint, 'update answers the slot it used')
          }
          model.set(n, { endpoint, key, left: o.left, seen: clock, flags: o.flags, uploaded: o.uploaded, downloaded: n })
          clock++
        } else if ('remove' in o) {
          const p = model.get(o.remove)
          if (p === undefined) continue
          swarm.remove(swarm.find(p.endpoint, 0))
          model.delete(o.remove)
        } else if ('expire' in o) {
          const cutoff = clock - o.expire
          const gone = { seeders: 0, leechers: 0, uploaded: 0, downloaded: 0 }
          for (const [n, p] of model) {
            if (p.seen >= cutoff) continue
            if (p.left === 0) gone.seeders++
            else gone.leechers++
            gone.uploaded += storedCounter(p.uploaded)
            gone.downloaded += n
            model.delete(n)
          }
          assert.deepEqual(swarm.expire(cutoff), gone)
        } else if ('sample' in o) {
          const { seeding, want, skip } = o.sample
          const from = seeding ? swarm.seeders : 0
          const skipPeer = model.get(skip)
          const skipSlot = skipPeer === undefined ? -1 : swarm.find(skipPeer.endpoint, 0)
          const eligible = [...model.values()].filter(p => !(seeding && p.left === 0) && p !== skipPeer)
          const out = Buffer.alloc((want + 1) * swarm.endpointLength, 0xaa)
          const ids: Buffer[] = []
          const got = swarm.sample(from, want, skipSlot, out, swarm.endpointLength, ids)
          assert.equal(got, Math.min(want, eligible.length))
          assert.ok(out.subarray(0, swarm.endpointLength).every(b => b === 0xaa), 'written from `at` on')
          const drawn = new Set<string>()
          for (let k = 0; k < got; k++) {
            const e = out.subarray((k + 1) * swarm.endpointLength, (k + 2) * swarm.endpointLength)
            const peer = eligible.find(p => p.endpoint.equals(e))
            assert.ok(peer !== undefined, 'an eligible peer')
            assert.equal(ids[k].readUInt32BE(0), peer.downloaded, 'its peer id, in the same order')
            drawn.add(e.toString('hex'))
          }
          assert.equal(drawn.size, got, 'no peer twice')
          assert.equal(ids.length, got)
        } else {
          swarm.reserve(o.reserve)
          assert.ok(table.capacityOf(1) >= Math.max(o.reserve, model.size))
        }
        verify(table.open(1), model)
        assert.equal(table.countOf(0), 0, 'the other swarm is untouched')
      }
    }), { numRuns: peers > 50 ? 15 : 60, seed: 20261202 })
  })
}

test('replies are drawn from a random window: repeated samples do not all start at the same peer', () => {
  const table = new PeerTable(4)
  table.grow(1)
  const swarm = table.open(0)
  for (let n = 0; n < 100; n++) swarm.add(endpointOf(n, 0, 6), { peerId: Buffer.alloc(20, n), key: 0, uploaded: 0, downloaded: 0, left: 1 }, 1, 0)
  const firsts = new Set<string>()
  for (let i = 0; i < 40; i++) {
    const out = Buffer.alloc(60)
    assert.equal(swarm.sample(0, 10, -1, out, 0, null), 10)
    firsts.add(out.subarray(0, 6).toString('hex'))
  }
  // The chance that 40 random starts among 100 all coincide is 100^-39.
  assert.ok(firsts.size > 1)
})
