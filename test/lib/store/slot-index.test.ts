import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SlotIndex } from '../../../lib/store/memory/slot-index.ts'

test('move and remove act on the entry of the slot named, not on an earlier one of the same hash', () => {
  const index = new SlotIndex(16)
  index.insert(7, 1)
  index.insert(7, 2)
  index.insert(7, 3)
  index.remove(7, 2)
  assert.equal(index.find(7, s => s === 1), 1)
  assert.equal(index.find(7, s => s === 2), -1)
  assert.equal(index.find(7, s => s === 3), 3)
  index.move(7, 3, 9)
  assert.equal(index.find(7, s => s === 1), 1)
  assert.equal(index.find(7, s => s === 3), -1)
  assert.equal(index.find(7, s => s === 9), 9)
})
