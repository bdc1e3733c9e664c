import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { RecordArena } from '../../../lib/store/memory/record-arena.ts'

interface Chunk { page: number, base: number, capacity: number, mark: number }

/** Steps: allocate a chunk for `n` records, or release the live chunk at `index` (modulo). */
const step = fc.oneof(
  fc.record({ allocate: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 41, max: 3000 })) }),
  fc.record({ release: fc.nat() })
)

test('the arena never hands out overlapping chunks, keeps their contents, and gives memory back once all are freed', () => {
  fc.assert(fc.property(fc.integer({ min: 6, max: 62 }), fc.array(step, { maxLength: 400 }), (stride, steps) => {
    const arena = new RecordArena(stride)
    const live: Chunk[] = []
    let mark = 1
    const intact = (c: Chunk): boolean => arena.pages[c.page].subarray(c.base, c.base + c.capacity * stride).every(b => b === c.mark)
    for (const s of steps) {
      if ('allocate' in s) {
        const capacity = arena.capacityFor(s.allocate)
        assert.ok(capacity >= s.allocate)
        arena.allocate(capacity)
        const c = { page: arena.page, base: arena.base, capacity, mark: mark++ % 255 + 1 }
        assert.ok(c.base + capacity * stride <= arena.pages[c.page].length, 'the chunk fits its page')
        arena.pages[c.page].fill(c.mark, c.base, c.base + capacity * stride)
        live.push(c)
      } else if (live.length > 0) {
        const [c] = live.splice(s.release % live.length, 1)
        assert.ok(intact(c), 'a chunk keeps its contents until it is released')
        arena.release(c.page, c.base)
      }
    }
    for (const c of live) assert.ok(intact(c))
    const pagesUsed = arena.pages.length
    for (const c of live.splice(0)) arena.release(c.page, c.base)
    // Freed slabs go back to a pool of at most 16 (1 MiB); single-chunk buffers are dropped.
    assert.ok(arena.pages.filter(p => p.length > 0).length <= 16, 'memory is given back')
    // And pages are reused rather than added.
    arena.allocate(arena.capacityFor(3))
    assert.ok(arena.pages.length <= Math.max(pagesUsed, 1))
  }), { numRuns: 150, seed: 20261201 })
})
