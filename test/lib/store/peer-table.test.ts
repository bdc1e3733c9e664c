import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { test } from 'node:test'
import { storedCounter, type PeerFields } from '../../../lib/store/memory/peer-record.ts'
import { PeerTable } from '../../../lib/store/memory/peer-table.ts'
import type { SwarmPeers } from '../../../lib/store/memory/swarm-peers.ts'

interface Model { key: number, left: number, seen: number }

function endpoint (n: number): Buffer {
  const b = Buffer.alloc(6)
  b.writeUInt32BE(0x0a000000 + (n >> 4), 0)
  b.writeUInt16BE(1000 + (n & 15), 4)
  return b
}

function fields (m: Model, n: number): PeerFields {
  const peerId = Buffer.alloc(20)
  peerId.writeUInt32BE(n)
  return { peerId, key: m.key, uploaded: n * 3, downloaded: n * 2, left: m.left }
}

/** Checks every stored peer against the model and the seeder partition. */
function check (table: SwarmPeers, model: Map<number, Model>): void {
  assert.equal(table.count, model.size)
  let seeders = 0
  for (const [n, m] of model) {
    const slot = table.find(endpoint(n), 0)
    assert.notEqual(slot, -1, `peer ${n} is findable`)
    assert.equal(table.leftOf(slot), m.left)
    assert.equal(table.seenOf(slot), m.seen)
    assert.equal(table.peerId(slot).readUInt32BE(0), n)
    assert.equal(table.uploadedOf(slot), n * 3)
    assert.equal(slot < table.seeders, m.left === 0, 'seeders sit before leechers')
    if (m.key !== 0) assert.equal(table.find(Buffer.alloc(6), m.key), slot, 'findable by key')
    if (m.left === 0) seeders++
  }
  assert.equal(table.seeders, seeders)
}

for (const size of [10, 300]) {
  test(`random adds, updates, removals and expiry keep records, index and partition consistent (${size} peers)`, () => {
    const family = new PeerTable(4)
    family.grow(1)
    const table = family.open(0)
    const model = new Map<number, Model>()
    let clock = 1000
    for (let step = 0; step < size * 20; step++) {
      const n = randomInt(size)
      const op = randomInt(10)
      const slot = table.find(endpoint(n), 0)
      assert.equal(slot !== -1, model.has(n))
      if (op < 6) {
        const m = { key: randomInt(3) === 0 ? n * 7919 + 1 : 0, left: randomInt(3) === 0 ? 0 : randomInt(1, 2 ** 39), seen: clock++ }
        if (slot === -1) table.add(endpoint(n), fields(m, n), m.seen, 0)
        else table.update(slot, endpoint(n), fields(m, n), m.seen, 0)
        model.set(n, m)
      } else if (op < 9) {
        if (slot !== -1) table.remove(slot)
        model.delete(n)
      } else {
        const cutoff = clock - randomInt(size)
        table.expire(cutoff)
        for (const [k, m] of model) if (m.seen < cutoff) model.delete(k)
      }
      if (step % 50 === 0) check(table, model)
    }
    check(table, model)
  })
}

test('sample returns distinct peers from the requested range and never the skipped slot', () => {
  const family = new PeerTable(4)
  family.grow(1)
  const table = family.open(0)
  for (let n = 0; n < 40; n++) table.add(endpoint(n), fields({ key: 0, left: n % 4 === 0 ? 0 : 5, seen: 1 }, n), 1, 0)
  for (let i = 0; i < 200; i++) {
    const want = randomInt(1, 45)
    const skip = randomInt(40)
    const out = Buffer.alloc(want * 6)
    const from = i % 2 === 0 ? 0 : table.seeders
    const got = table.sample(from, want, skip, out, 0, null)
    const available = 40 - from - (skip >= from ? 1 : 0)
    assert.equal(got, Math.min(want, available))
    const seen = new Set<string>()
    for (let k = 0; k < got; k++) {
      const e = out.subarray(k * 6, k * 6 + 6)
      const slot = table.find(e, 0)
      assert.notEqual(slot, skip)
      assert.ok(slot >= from)
      seen.add(e.toString('hex'))
    }
    assert.equal(seen.size, got)
  }
})

test('many swarms growing and shrinking side by side keep their own peers (shared slabs)', () => {
  const torrents = 40
  const family = new PeerTable(4)
  family.grow(torrents)
  const models = Array.from({ length: torrents }, () => new Map<number, Model>())
  for (let step = 0; step < 20_000; step++) {
    const t = randomInt(torrents)
    // Some swarms get large (own buffer), most stay small; all churn.
    const n = randomInt(t % 8 === 0 ? 1500 : 30)
    const table = family.open(t)
    const slot = table.find(endpoint(n), 0)
    if (randomInt(3) !== 0) {
      const m = { key: 0, left: randomInt(2) === 0 ? 0 : 7, seen: step }
      if (slot === -1) table.add(endpoint(n), fields(m, n), m.seen, 0)
      else table.update(slot, endpoint(n), fields(m, n), m.seen, 0)
      models[t].set(n, m)
    } else if (slot !== -1) {
      table.remove(slot)
      models[t].delete(n)
    }
  }
  for (let t = 0; t < torrents; t++) check(family.open(t), models[t])
})

test('transfer counters are exact below 512 GiB, within a KiB up to 512 TiB, and capped there', () => {
  const family = new PeerTable(4)
  family.grow(1)
  const table = family.open(0)
  const cases = [0, 1, 2 ** 39 - 1, 2 ** 39, 2 ** 39 + 1023, 3.5 * 2 ** 40 + 12345, 2 ** 49 - 1024, 2 ** 52]
  cases.forEach((value, n) => {
    const slot = table.add(endpoint(n), { peerId: Buffer.alloc(20, n), key: 0, uploaded: value, downloaded: value, left: value }, 1000, 0)
    const expected = value < 2 ** 39 ? value : Math.min(value, 2 ** 49 - 1024)
    for (const stored of [table.uploadedOf(slot), table.downloadedOf(slot), table.leftOf(slot)]) {
      assert.equal(stored, storedCounter(value))
      if (value < 2 ** 39) assert.equal(stored, value)
      else assert.ok(stored <= expected && expected - stored < 1024, `${value} kept as ${stored}`)
    }
    assert.equal(slot < table.seeders, value === 0, 'a huge left stays a leecher')
  })
})
