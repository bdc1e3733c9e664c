import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sipHash24, sipKey } from '../../../lib/udp/siphash.ts'

// The reference vectors of the SipHash paper: key 00..0f, message 00..(n-1), output bytes.
const vectors: Array<[number, string]> = [
  [0, '310e0edd47db6f72'],
  [1, 'fd67dc93c539f874'],
  [7, '37d1018bf50002ab'],
  [8, '6224939a79f5f593'],
  [9, 'b0e4a90bdf82009e'],
  [15, 'e545be4961ca29a1'],
  [16, 'db9bc2577fcc2a3f']
]

const key = sipKey(Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'))
const message = Buffer.from([...Array(16).keys()])

test('matches the reference vectors across the 8-byte block boundaries', () => {
  for (const [length, expected] of vectors) {
    const out = Buffer.alloc(8)
    sipHash24(key, message, 0, length, out, 0)
    assert.equal(out.toString('hex'), expected, `${length} bytes`)
  }
})

test('hashes a slice in place and writes at an offset', () => {
  const framed = Buffer.concat([Buffer.from([0xaa, 0xbb]), message.subarray(0, 15), Buffer.from([0xcc])])
  const out = Buffer.alloc(12, 0xee)
  sipHash24(key, framed, 2, 17, out, 3)
  assert.equal(out.toString('hex'), 'eeeeeee545be4961ca29a1ee')
})

test('a different key gives a different hash', () => {
  const a = Buffer.alloc(8)
  const b = Buffer.alloc(8)
  sipHash24(key, message, 0, 10, a, 0)
  sipHash24(sipKey(Buffer.alloc(16, 1)), message, 0, 10, b, 0)
  assert.notDeepEqual(a, b)
})

test('keys must be 16 bytes', () => {
  assert.throws(() => sipKey(Buffer.alloc(8)), RangeError)
})
