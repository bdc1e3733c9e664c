import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { PeerTable } from '../../../lib/store/memory/peer-table.ts'
import { RecordArena } from '../../../lib/store/memory/record-arena.ts'

test('a freed slab is reused for the next chunk, of any class', () => {
  const arena = new RecordArena(50)
  arena.allocate(arena.capacityFor(3))
  const first = { page: arena.page, buffer: arena.pages[arena.page] }
  arena.release(first.page, arena.base)
  arena.allocate(arena.capacityFor(200))
  assert.equal(arena.page, first.page)
  assert.equal(arena.pages[arena.page], first.buffer, 'the same memory')
})

test('at most 16 empty slabs are kept once everything is freed; the rest is given back', () => {
  const arena = new RecordArena(62)
  const capacity = arena.capacityFor(1000) // one chunk per 64 KiB slab
  const chunks: Array<[number, number]> = []
  for (let i = 0; i < 40; i++) {
    arena.allocate(capacity)
    chunks.push([arena.page, arena.base])
  }
  assert.equal(new Set(chunks.map(([page]) => page)).size, 40, 'a slab each')
  for (const [page, base] of chunks) arena.release(page, base)
  assert.equal(arena.pages.filter(p => p.length > 0).length, 16)
  // Pages are reused, not added.
  for (let i = 0; i < 40; i++) arena.allocate(capacity)
  assert.equal(arena.pages.length, 40)
})

test('chunks of one class fill a slab before another is taken, and freed chunks are filled again first', () => {
  const arena = new RecordArena(64)
  const capacity = arena.capacityFor(100)
  const perSlab = Math.floor((64 << 10) / (capacity * 64))
  const chunks: Array<[number, number]> = []
  for (let i = 0; i < perSlab * 3; i++) {
    arena.allocate(capacity)
    chunks.push([arena.page, arena.base])
  }
  assert.equal(new Set(chunks.map(([page]) => page)).size, 3)
  // Free one chunk in each of the first two (full) slabs: the next two chunks go there.
  arena.release(...chunks[0])
  arena.release(...chunks[perSlab])
  const again: Array<[number, number]> = []
  for (let i = 0; i < 2; i++) {
    arena.allocate(capacity)
    again.push([arena.page, arena.base])
  }
  assert.deepEqual(again.sort(), [chunks[0], chunks[perSlab]].sort())
  arena.allocate(capacity)
  assert.equal(arena.pages.length, 4, 'then a new slab')
})

test('the arena stays consistent over long runs of allocations and releases', () => {
  const size = fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 60 }) }, { weight: 1, arbitrary: fc.integer({ min: 61, max: 1200 }) })
  const step = fc.oneof(fc.record({ allocate: size }), fc.record({ release: fc.nat() }))
  fc.assert(fc.property(fc.constantFrom(6, 18, 56, 68), fc.array(step, { minLength: 50, maxLength: 400, size: 'max' }), (stride, steps) => {
    const arena = new RecordArena(stride)
    const live: Array<{ page: number, base: number, capacity: number, mark: number }> = []
    let mark = 0
    for (const s of steps) {
      if ('allocate' in s) {
        const capacity = arena.capacityFor(s.allocate)
        arena.allocate(capacity)
        const c = { page: arena.page, base: arena.base, capacity, mark: mark++ % 251 + 1 }
        assert.ok(c.base >= 0 && c.base + capacity * stride <= arena.pages[c.page].length, 'the chunk lies in its page')
        arena.pages[c.page].fill(c.mark, c.base, c.base + capacity * stride)
        live.push(c)
      } else if (live.length > 0) {
        const [c] = live.splice(s.release % live.length, 1)
        assert.ok(arena.pages[c.page].subarray(c.base, c.base + c.capacity * stride).every(b => b === c.mark), 'intact until freed')
        arena.release(c.page, c.base)
      }
    }
    for (const c of live) assert.ok(arena.pages[c.page].subarray(c.base, c.base + c.capacity * stride).every(b => b === c.mark))
  }), { numRuns: 40, seed: 20261202 })
})

test('a swarm that empties and fills again reuses its memory', () => {
  const table = new PeerTable(4)
  table.grow(1)
  const buffers = new Set<Buffer>()
  for (let round = 0; round < 3000; round++) {
    const swarm = table.open(0)
    for (let n = 0; n < 3; n++) swarm.add(Buffer.from([10, 0, 0, n, 0, 1]), { peerId: Buffer.alloc(20), key: 0, uploaded: 0, downloaded: 0, left: 1 }, 1, 0)
    buffers.add(table.bufferOf(0))
    for (let n = 0; n < 3; n++) swarm.remove(0)
    assert.equal(table.capacityOf(0), 0, 'an empty swarm holds no chunk')
  }
  assert.ok(buffers.size <= 2, `${buffers.size} buffers (one slab per size class used)`)
})
