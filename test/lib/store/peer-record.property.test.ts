import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { decodeCounter, encodeCounter, storedCounter } from '../../../lib/store/memory/peer-record.ts'

const EXACT = 2 ** 39
const CAP = 2 ** 49 - 1024
const near = (x: number): fc.Arbitrary<number> => fc.integer({ min: -2048, max: 2048 }).map(d => Math.max(0, x + d))
const counter = fc.oneof(
  fc.integer({ min: 0, max: 5000 }),
  near(EXACT), near(2 ** 40), near(2 ** 49), near(CAP),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  fc.constantFrom(0, 1, EXACT - 1, EXACT, EXACT + 1, EXACT + 1023, EXACT + 1024, 2 ** 49 - 1, 2 ** 49, Number.MAX_SAFE_INTEGER)
)

test('a counter is kept in 5 bytes: exact below 512 GiB, rounded down to the KiB above, capped just under 512 TiB', () => {
  fc.assert(fc.property(counter, value => {
    const encoded = encodeCounter(value)
    assert.ok(Number.isInteger(encoded) && encoded >= 0 && encoded < 2 ** 40, 'fits 5 bytes')
    const stored = storedCounter(value)
    assert.equal(stored, decodeCounter(encoded))
    if (value < EXACT) assert.equal(stored, value)
    else {
      assert.equal(stored % 1024, 0, 'whole KiB')
      assert.ok(stored <= value)
      assert.equal(stored, Math.min(value - value % 1024, CAP))
    }
    assert.equal(storedCounter(stored), stored, 'a stored value is kept as it is')
  }), { numRuns: 3000, seed: 20261202 })
})

test('storing keeps the order of counters', () => {
  fc.assert(fc.property(counter, counter, (a, b) => {
    const [lo, hi] = a <= b ? [a, b] : [b, a]
    assert.ok(storedCounter(lo) <= storedCounter(hi))
  }), { numRuns: 2000, seed: 20261202 })
})
