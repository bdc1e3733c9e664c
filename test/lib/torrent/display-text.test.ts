import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { displayText } from '../../../lib/torrent/display-text.ts'

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Length of the UTF-8 sequence at `at` as the platform's strict decoder sees it, or 0. */
function referenceLength (bytes: Uint8Array, at: number): number {
  for (let n = 1; n <= 4 && at + n <= bytes.length; n++) {
    try {
      // UTF-8 is prefix-free: the first length that decodes is the sequence.
      if ([...strict.decode(bytes.subarray(at, at + n))].length === 1) return n
    } catch {}
  }
  return 0
}

/** displayText by a brute-force reading, byte by byte, with the platform's decoder. */
function reference (bytes: Uint8Array): string {
  let out = ''
  for (let at = 0; at < bytes.length;) {
    const n = referenceLength(bytes, at)
    if (n === 0) {
      out += '\\x' + bytes[at].toString(16).padStart(2, '0')
      at++
    } else {
      out += strict.decode(bytes.subarray(at, at + n))
      at += n
    }
  }
  return out
}

/** The bytes where UTF-8's rules change (Unicode table 3-7), and a few ordinary ones. */
const edges = [0x00, 0x0a, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff]
const byte = fc.oneof(fc.constantFrom(...edges), fc.integer({ min: 0, max: 255 }))
const hasBom = (b: Uint8Array): boolean => Buffer.from(b).includes(Buffer.from([0xef, 0xbb, 0xbf]))

test('displayText reads any bytes as a strict UTF-8 decoder does, escaping each byte it refuses', () => {
  fc.assert(fc.property(fc.array(byte, { maxLength: 12 }), list => {
    const bytes = Uint8Array.from(list)
    fc.pre(!hasBom(bytes))
    assert.equal(displayText(bytes), reference(bytes))
  }), { numRuns: 3000, seed: 20261202 })
})

test('every lead byte and every second byte of a two-byte prefix: valid exactly where Unicode says', () => {
  for (let lead = 0; lead < 256; lead++) {
    for (let second = 0; second < 256; second += lead < 0xc0 ? 255 : 1) {
      const bytes = Uint8Array.from([lead, second, 0x80, 0x80, 0x41])
      assert.equal(displayText(bytes), reference(bytes), `${lead.toString(16)} ${second.toString(16)}`)
    }
  }
})

test('escapes are two lowercase hex digits, and text between them is kept', () => {
  assert.equal(displayText(Uint8Array.from([0x01, 0xff])), '\u0001\\xff')
  assert.equal(displayText(Uint8Array.from([0x80, 0x61, 0x62, 0xc3, 0xa9, 0x0b, 0xfe])), '\\x80abé\u000b\\xfe')
  assert.equal(displayText(Uint8Array.from([0xf4, 0x8f, 0xbf, 0xbf])), '\u{10ffff}')
  assert.equal(displayText(Uint8Array.from([0xf4, 0x90, 0x80, 0x80])), '\\xf4\\x90\\x80\\x80')
  assert.equal(displayText(new Uint8Array(0)), '')
})

test('a byte-order mark is kept wherever it stands, so different names never display alike', () => {
  const bom = Buffer.from([0xef, 0xbb, 0xbf])
  assert.equal(displayText(Buffer.concat([bom, Buffer.from('A')])), '\ufeffA')
  assert.notEqual(displayText(Buffer.from([0xff, 0xef, 0xbb, 0xbf, 0x42])), displayText(Buffer.from([0xff, 0x42])))
})
