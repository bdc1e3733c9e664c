import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { test } from 'node:test'
import { RecordArena } from '../../../lib/store/memory/record-arena.ts'

test('chunks never overlap, whatever the order of allocations and releases', () => {
  const arena = new RecordArena(53)
  interface Chunk { page: number, base: number, capacity: number, mark: number }
  const live: Chunk[] = []
  const verify = (c: Chunk): void => {
    const bytes = arena.pages[c.page].subarray(c.base, c.base + c.capacity * arena.stride)
    assert.ok(bytes.every(b => b === c.mark), `chunk ${c.mark} keeps its contents`)
  }
  for (let step = 0; step < 5000; step++) {
    if (live.length > 0 && randomInt(5) < 2) {
      const c = live.splice(randomInt(live.length), 1)[0]
      verify(c)
      arena.release(c.page, c.base)
    } else {
      const capacity = arena.capacityFor(randomInt(1, randomInt(10) === 0 ? 3000 : 40))
      arena.allocate(capacity)
      const c = { page: arena.page, base: arena.base, capacity, mark: step % 251 }
      arena.pages[c.page].fill(c.mark, c.base, c.base + capacity * arena.stride)
      live.push(c)
    }
  }
  for (const c of live) verify(c)
})

test('capacities come in classes that hold what was asked', () => {
  const arena = new RecordArena(53)
  for (let n = 1; n < 5000; n++) {
    const capacity = arena.capacityFor(n)
    assert.ok(capacity >= n && capacity <= Math.max(2, Math.ceil(n * 1.34)), `${n} gets ${capacity}`)
  }
})
