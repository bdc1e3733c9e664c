import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ClientError } from '../../../lib/bittorrent/client-error.ts'
import { parseUint, percentDecode } from '../../../lib/http/percent-decode.ts'

const decodes: Array<[string, string, number[]]> = [
  ['plain characters stand for themselves', 'aZ0-._~', [...Buffer.from('aZ0-._~')]],
  ['%XX in either case', '%00%ff%FF%aB', [0, 255, 255, 0xab]],
  ['+ is 0x2B', '+', [0x2b]],
  ['Latin-1 characters are their byte', '\u00e9\u00ff', [0xe9, 0xff]],
  ['empty', '', []]
]

for (const [name, s, bytes] of decodes) {
  test(`percentDecode: ${name}`, () => {
    // Decoded from within a longer string: only [start, end) counts.
    const wrapped = `x=${s}&y`
    assert.deepEqual([...percentDecode(wrapped, 2, 2 + s.length, 'x')], bytes)
  })
}

test('percentDecode refuses broken escapes and characters beyond a byte, naming the parameter', () => {
  for (const s of ['%', '%1', '%1g', '%g1', '%%41', 'a%4']) {
    assert.throws(() => percentDecode(`v=${s}&w=41`, 2, 2 + s.length, 'peer_id'), { name: 'ClientError', message: 'invalid percent-encoding in peer_id' }, s)
  }
  assert.throws(() => percentDecode('\u0100', 0, 1, 'key'), { message: 'invalid character in key' })
})

const numbers: Array<[string, number | string, number?]> = [
  ['0', 0], ['7', 7], ['0042', 42], ['9007199254740991', 9007199254740991],
  ['9007199254740992', 'n is too large (at most 9007199254740991)'],
  ['12345678901234567', 'n is too large'],
  ['', 'n is empty'], ['-1', 'n must not be negative'], ['1e3', 'n is not a number'], [' 1', 'n is not a number'],
  ['65536', 'n is too large (at most 65535)', 65535], ['65535', 65535, 65535]
]

for (const [s, expected, max] of numbers) {
  test(`parseUint("${s}")`, () => {
    if (typeof expected === 'number') assert.equal(parseUint(`n=${s}`, 2, 2 + s.length, 'n', max), expected)
    else assert.throws(() => parseUint(`n=${s}`, 2, 2 + s.length, 'n', max), (err: Error) => err instanceof ClientError && err.message === expected)
  })
}
