import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RecordArena } from '../../../lib/store/memory/record-arena.ts'

test('capacity classes: every size up to 8, then four steps per doubling, up to what fits a 64 KiB slab', () => {
  const arena = new RecordArena(64)
  const asked = [1, 2, 3, 7, 8, 9, 10, 11, 16, 17, 24, 25, 33, 65, 129, 257, 513, 897, 1000, 1024]
  const given = [2, 2, 3, 7, 8, 10, 10, 12, 16, 20, 24, 28, 40, 80, 160, 320, 640, 1024, 1024, 1024]
  assert.deepEqual(asked.map(n => arena.capacityFor(n)), given)
  assert.equal(arena.capacityFor(1025), 1025, 'past the largest class: exactly what was asked')
})

test('a chunk of the largest class fills a slab of its own; a larger one gets a buffer of its own', () => {
  const arena = new RecordArena(64)
  arena.allocate(arena.capacityFor(1024))
  const slab = arena.page
  assert.equal(arena.pages[slab].length, 64 << 10)
  arena.allocate(arena.capacityFor(1024))
  assert.notEqual(arena.page, slab, 'the slab is full')
  arena.allocate(arena.capacityFor(1025))
  assert.equal(arena.pages[arena.page].length, 1025 * 64)
  assert.equal(arena.base, 0)
})
