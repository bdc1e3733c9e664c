import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { SlotIndex } from '../../../lib/store/memory/slot-index.ts'

/**
 * SlotIndex against a plain model: a set of (hash, slot) entries. Hashes come from a small set
 * (or are crafted to share buckets) so that probe chains collide, wrap around the table and get
 * shortened by removals.
 */
type Step = { insert: number } | { remove: number } | { move: number, to: number }

const hashes = fc.oneof(fc.integer({ min: 0, max: 7 }), fc.integer({ min: -5, max: 5 }).map(n => n * 0x10000), fc.integer())
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: hashes.map(insert => ({ insert })) },
  { weight: 2, arbitrary: fc.nat().map(remove => ({ remove })) },
  { weight: 1, arbitrary: fc.record({ move: fc.nat(), to: fc.nat({ max: 1000 }) }) }
)

test('find, insert, move and remove agree with a set of (hash, slot) entries', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 40 }), fc.array(step, { minLength: 20, maxLength: 200, size: 'max' }), (capacity, steps) => {
    const index = new SlotIndex(capacity)
    const model = new Map<number, number>() // slot -> hash
    let nextSlot = 0
    const check = (): void => {
      for (const [slot, hash] of model) {
        assert.equal(index.find(hash, s => s === slot), slot, `slot ${slot} under ${hash}`)
        const any = index.find(hash, () => true)
        assert.equal(model.get(any), hash, 'any match is an entry of that hash')
      }
      for (const absent of [nextSlot, nextSlot + 1]) {
        for (const hash of [0, 1, 0x10000]) assert.equal(index.find(hash, s => s === absent), -1)
      }
    }
    for (const s of steps) {
      const slots = [...model.keys()]
      if ('insert' in s) {
        const slot = nextSlot++
        index.insert(s.insert, slot)
        model.set(slot, s.insert)
      } else if ('remove' in s) {
        if (slots.length === 0) continue
        const slot = slots[s.remove % slots.length]
        index.remove(model.get(slot) as number, slot)
        model.delete(slot)
      } else {
        if (slots.length === 0) continue
        const slot = slots[s.move % slots.length]
        const to = nextSlot++ + s.to
        nextSlot = to + 1
        index.move(model.get(slot) as number, slot, to)
        model.set(to, model.get(slot) as number)
        model.delete(slot)
      }
      check()
    }
    // Entries that are not there: removing or moving them changes nothing.
    index.remove(12345, nextSlot + 5)
    index.move(12345, nextSlot + 5, nextSlot + 6)
    check()
    for (const [slot, hash] of model) index.remove(hash, slot)
    for (const hash of [0, 1, 2, 0x10000, -0x10000]) assert.equal(index.find(hash, () => true), -1, 'empty again')
  }), { numRuns: 150, seed: 20261202 })
})

test('thousands of entries of one hash stay findable through growth and removal', () => {
  const index = new SlotIndex(0)
  for (let slot = 0; slot < 3000; slot++) index.insert(slot % 3, slot)
  for (let slot = 0; slot < 3000; slot += 2) index.remove(slot % 3, slot)
  for (let slot = 0; slot < 3000; slot++) assert.equal(index.find(slot % 3, s => s === slot), slot % 2 === 1 ? slot : -1)
})
