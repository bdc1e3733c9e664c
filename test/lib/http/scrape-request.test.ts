import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ClientError } from '../../../lib/bittorrent/client-error.ts'
import { parseScrapeQuery } from '../../../lib/http/scrape-request.ts'

const h = (byte: number): string => `%${byte.toString(16).padStart(2, '0')}`.repeat(20)
const hashOf = (byte: number): Buffer => Buffer.alloc(20, byte)

const valid: Array<[string, string, Buffer[]]> = [
  ['no info_hash (a full scrape)', '', []],
  ['one hash', `info_hash=${h(1)}`, [hashOf(1)]],
  ['several, in request order', `info_hash=${h(3)}&info_hash=${h(1)}&info_hash=${h(2)}`, [hashOf(3), hashOf(1), hashOf(2)]],
  ['a repeated hash once', `info_hash=${h(1)}&info_hash=${h(2)}&info_hash=${h(1)}`, [hashOf(1), hashOf(2)]],
  ['other parameters ignored', `passkey=x&info_hash=${h(1)}&info_hashes=zz&&`, [hashOf(1)]],
  ['a literal + is 0x2B', `info_hash=${'+'.repeat(20)}`, [hashOf(0x2b)]],
  ['exactly the maximum', Array.from({ length: 3 }, (_, i) => `info_hash=${h(i)}`).join('&'), [hashOf(0), hashOf(1), hashOf(2)]]
]

for (const [name, qs, expected] of valid) {
  test(`scrape query: ${name}`, () => {
    assert.deepEqual(parseScrapeQuery(qs, 3), expected)
  })
}

const invalid: Array<[string, string, string]> = [
  ['one more than the maximum', Array.from({ length: 4 }, (_, i) => `info_hash=${h(i)}`).join('&'), 'too many info_hash values (at most 3)'],
  ['a short hash', `info_hash=${h(1)}&info_hash=abc`, 'info_hash must be 20 bytes, got 3'],
  ['an empty hash', 'info_hash=', 'info_hash must be 20 bytes, got 0'],
  ['a bad escape', `info_hash=%g1${'%01'.repeat(19)}`, 'invalid percent-encoding in info_hash']
]

for (const [name, qs, message] of invalid) {
  test(`scrape query refused: ${name}`, () => {
    assert.throws(() => parseScrapeQuery(qs, 3), (err: Error) => err instanceof ClientError && err.message === message)
  })
}
