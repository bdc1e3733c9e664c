import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { BencodeError, BencodeReader, infoSlice, MAX_DEPTH } from '../../../lib/torrent/bencode-info-slice.ts'
import { encode, type BValue } from '../../helpers/torrent-fixtures.ts'

const reader = (text: string, maxDepth?: number): BencodeReader => new BencodeReader(Buffer.from(text, 'latin1'), 0, maxDepth)

/** Asserts that `fn` throws a BencodeError with exactly this message. */
function refuses (fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof BencodeError, String(err))
    assert.equal(err.message, message)
    assert.equal(err.name, 'BencodeError')
    return true
  })
}

test('kind names each value by its first byte; any other byte is refused, shown as text or hex', () => {
  assert.deepEqual(['i1e', 'l', 'd', '0:', '9:'].map(t => reader(t).kind()), ['integer', 'list', 'dictionary', 'string', 'string'])
  refuses(() => reader('x').kind(), "unexpected byte 'x' at byte 0")
  refuses(() => reader('!').kind(), "unexpected byte '!' at byte 0")
  refuses(() => reader('~').kind(), "unexpected byte '~' at byte 0")
  refuses(() => reader(':').kind(), "unexpected byte ':' at byte 0")
  refuses(() => reader('/').kind(), "unexpected byte '/' at byte 0")
  refuses(() => reader(' ').kind(), 'unexpected byte 0x20 at byte 0')
  refuses(() => reader('\x7f').kind(), 'unexpected byte 0x7f at byte 0')
  refuses(() => reader('\x00').kind(), 'unexpected byte 0x00 at byte 0')
  refuses(() => reader('\xff').kind(), 'unexpected byte 0xff at byte 0')
  refuses(() => reader('').kind(), 'unexpected end of data (truncated?) at byte 0')
})

test('expect names what was wanted and what was found, with the right article', () => {
  refuses(() => reader('i1e').expect('string', 'name'), 'name should be a string, not an integer at byte 0')
  refuses(() => reader('3:abc').expect('integer', 'size'), 'size should be an integer, not a string at byte 0')
  refuses(() => reader('le').expect('dictionary', 'info'), 'info should be a dictionary, not a list at byte 0')
  refuses(() => reader('de').expect('list', 'files'), 'files should be a list, not a dictionary at byte 0')
  assert.doesNotThrow(() => reader('de').expect('dictionary', 'info'))
})

test('integers: sign, zero, the safe-integer limit, and every malformed form', () => {
  assert.equal(reader('i0e').integer(), 0)
  assert.equal(reader('i-7e').integer(), -7)
  assert.equal(reader('i1000000000000000e').integer(), 1e15, '16 digits')
  assert.equal(reader(`i${Number.MAX_SAFE_INTEGER}e`).integer(), Number.MAX_SAFE_INTEGER)
  assert.equal(reader(`i-${Number.MAX_SAFE_INTEGER}e`).integer(), -Number.MAX_SAFE_INTEGER)
  const r = reader('i12ei3e')
  assert.equal(r.integer(), 12)
  assert.equal(r.pos, 4)
  assert.equal(r.integer(), 3)
  refuses(() => reader(`i${Number.MAX_SAFE_INTEGER + 2}e`).integer('n'), 'n is too large at byte 0')
  refuses(() => reader('i10000000000000000e').integer('n'), 'n is too large at byte 0')
  refuses(() => reader('i-e').integer(), 'empty integer at byte 0')
  refuses(() => reader('ie').integer(), 'empty integer at byte 0')
  refuses(() => reader('i-0e').integer(), 'integer with a leading zero or negative zero at byte 0')
  refuses(() => reader('i01e').integer(), 'integer with a leading zero or negative zero at byte 0')
  refuses(() => reader('i-01e').integer(), 'integer with a leading zero or negative zero at byte 0')
  refuses(() => reader('i1-e').integer(), 'invalid integer at byte 0')
  refuses(() => reader('i1:e').integer(), 'invalid integer at byte 0')
  refuses(() => reader('i/e').integer(), 'invalid integer at byte 0')
  refuses(() => reader('i12').integer(), 'unexpected end of data (truncated?) at byte 3')
})

test('strings: the bytes after the colon, exactly to the end of the data and no further', () => {
  const r = reader('3:abc0:')
  assert.equal(r.string().toString(), 'abc')
  assert.equal(r.pos, 5)
  assert.equal(r.string().length, 0)
  assert.equal(r.pos, 7)
  assert.equal(reader('10:0123456789').string().toString(), '0123456789')
  refuses(() => reader('4:abc').string(), 'string runs past the end of the data (truncated?) at byte 0')
  refuses(() => reader('99999999999999999999:abc').string(), 'string runs past the end of the data (truncated?) at byte 0')
  refuses(() => reader('1x:a').string(), 'invalid string length at byte 1')
  refuses(() => reader('1/:a').string(), 'invalid string length at byte 1')
  refuses(() => reader('1').string(), 'unexpected end of data (truncated?) at byte 1')
  refuses(() => reader('i1e').string('name'), 'name should be a string, not an integer at byte 0')
  assert.equal(reader('4:\xe9t\xe9!').key(), '\xe9t\xe9!', 'keys are latin1, byte for byte')
  refuses(() => reader('i1e').key(), 'dictionary key should be a string, not an integer at byte 0')
})

test('containers: open, more and the depth limit', () => {
  const r = reader('ll1:aee')
  r.open('list')
  r.open('list')
  assert.equal(r.more(), true)
  assert.equal(r.string().toString(), 'a')
  assert.equal(r.more(), false)
  assert.equal(r.more(), false)
  assert.equal(r.pos, 7)
  refuses(() => reader('e').more(), 'unbalanced end at byte 0')
  refuses(() => reader('i1e').open('list', 'files'), 'files should be a list, not an integer at byte 0')
  const shallow = reader('lllee', 2)
  shallow.open('list')
  shallow.open('list')
  refuses(() => shallow.open('list'), 'nested deeper than 2 levels at byte 2')
  assert.equal(MAX_DEPTH, 256)
  const deep = (n: number): string => 'l'.repeat(n) + 'e'.repeat(n)
  const atLimit = reader(deep(MAX_DEPTH))
  atLimit.skip()
  assert.equal(atLimit.pos, 2 * MAX_DEPTH)
  refuses(() => reader(deep(MAX_DEPTH + 1)).skip(), `nested deeper than ${MAX_DEPTH} levels at byte ${MAX_DEPTH}`)
})

/** Any bencode value, with keys that may repeat or be out of order (skip checks syntax, not order). */
const value: fc.Arbitrary<BValue> = fc.letrec<{ v: BValue }>(tie => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: -1e12, max: 1e12 }),
    fc.uint8Array({ maxLength: 8 }).map(b => Buffer.from(b)),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 3 }), tie('v'), { maxKeys: 4 })
  )
})).v

test('skip steps over exactly one value of any shape, and refuses any cut of it', () => {
  fc.assert(fc.property(value, value, (a, b) => {
    const first = encode(a, false)
    const both = Buffer.concat([first, encode(b, false)])
    const r = new BencodeReader(both)
    r.skip()
    assert.equal(r.pos, first.length)
    r.skip()
    assert.equal(r.pos, both.length)
    for (let cut = 0; cut < first.length; cut++) {
      assert.throws(() => new BencodeReader(first.subarray(0, cut)).skip(), BencodeError, `cut at ${cut}`)
    }
  }), { numRuns: 300, seed: 20261202 })
})

test('infoSlice finds the info bytes wherever the key stands, and refuses what is not one torrent', () => {
  fc.assert(fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }).filter(k => k !== 'info'), value, { maxKeys: 4 }), fc.dictionary(fc.string({ maxLength: 4 }), value, { maxKeys: 3 }), (top, info) => {
    const entries = Object.entries(top)
    const at = entries.length === 0 ? 0 : Object.keys(top).length % (entries.length + 1)
    entries.splice(at, 0, ['info', info])
    const file = encode(new Map(entries.map(([k, v]) => [Buffer.from(k), v])), false)
    const range = infoSlice(file)
    assert.deepEqual(file.subarray(range.start, range.end), encode(info, false))
  }), { numRuns: 200, seed: 20261202 })
  refuses(() => infoSlice(Buffer.alloc(0)), 'empty file')
  refuses(() => infoSlice(Buffer.from('le')), 'not a bencoded dictionary (not a torrent file?)')
  refuses(() => infoSlice(Buffer.from('de')), 'no info dictionary')
  refuses(() => infoSlice(Buffer.from('d4:infodee ')), 'trailing data (1 bytes) at byte 10')
  refuses(() => infoSlice(Buffer.from('d4:infode4:infodee')), 'a second info key at byte 9')
  refuses(() => infoSlice(Buffer.from('d4:infoi1ee')), 'info should be a dictionary, not an integer at byte 7')
  refuses(() => infoSlice(Buffer.from('d4:infodee' + 'e')), 'trailing data (1 bytes) at byte 10')
})
