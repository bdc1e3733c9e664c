import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { hashBytes } from '../../../lib/bittorrent/fnv-hash.ts'

/** FNV-1a, 32 bits, written out from its definition with BigInt arithmetic. */
function reference (bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = BigInt(seed >>> 0)
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x01000193n) & 0xffffffffn
  return Number(BigInt.asIntN(32, h))
}

test('hashBytes is 32-bit FNV-1a: the published test vectors', () => {
  const vector = (text: string): number => hashBytes(Buffer.from(text), 0, text.length)
  assert.equal(vector(''), 0x811c9dc5 | 0)
  assert.equal(vector('a'), 0xe40c292c | 0)
  assert.equal(vector('foobar'), 0xbf9cf968 | 0)
})

test('hashBytes covers exactly [start, end), from any seed', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(), fc.nat(), fc.integer(), (bytes, a, b, seed) => {
    const start = bytes.length === 0 ? 0 : a % (bytes.length + 1)
    const end = start + (b % (bytes.length - start + 1))
    assert.equal(hashBytes(bytes, start, end, seed), reference(bytes.subarray(start, end), seed))
    assert.equal(hashBytes(bytes, start, end), reference(bytes.subarray(start, end)))
  }), { numRuns: 500, seed: 20261202 })
})
