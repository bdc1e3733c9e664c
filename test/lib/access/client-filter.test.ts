import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ClientFilter } from '../../../lib/access/client-filter.ts'

const REFUSED = 'client not allowed on this tracker'
const id = (text: string): Buffer => Buffer.from(text.padEnd(20, '0'), 'latin1')

// [allow, deny, peer id, expected refusal]: TRACKER_CLIENT_ALLOW and TRACKER_CLIENT_DENY as written.
const cases: Array<[string, string, Buffer, string | null]> = [
  ['', '', id('-qB4650-'), null],
  ['-qB,-TR2', '', id('-qB4650-'), null],
  ['-qB,-TR2', '', id('-TR2940-'), null],
  ['-qB,-TR2', '', id('-TR3000-'), REFUSED],
  ['-qB,-TR2', '', id('-lt0D60-'), REFUSED],
  ['', '-XL', id('-XL0012-'), REFUSED],
  ['', '-XL', id('-qB4650-'), null],
  // A denied prefix wins over an allowed one.
  ['-qB', '-qB44', id('-qB4400-'), REFUSED],
  ['-qB', '-qB44', id('-qB4650-'), null],
  // Spaces around items and empty items are ignored.
  [' -qB , , ', '', id('-qB4650-'), null],
  [' -qB , , ', '', id('-TR2940-'), REFUSED],
  // A prefix longer than the peer id never matches it.
  ['-qB4650-abc', '', Buffer.from('-qB4650-'), REFUSED],
  ['', '-qB4650-abc', Buffer.from('-qB4650-'), null],
  // A peer id exactly as long as the prefix matches.
  ['-qB4650-', '', Buffer.from('-qB4650-'), null],
  // Prefixes are bytes (latin1), as peer ids are.
  ['\u00ff\u00fe', '', Buffer.from([0xff, 0xfe, 1, 2]), null],
  ['\u00ff\u00fe', '', Buffer.from([0xff, 0xfd, 1, 2]), REFUSED],
  // The last byte of the prefix counts.
  ['-qB4', '', id('-qB5'), REFUSED]
]

test('a peer id is refused by a denied prefix, or by missing every allowed one', () => {
  for (const [allow, deny, peerId, expected] of cases) {
    assert.equal(new ClientFilter(allow, deny).refusal(peerId), expected, `allow '${allow}', deny '${deny}', peer id ${peerId.toString('latin1')}`)
  }
})

test('the filter is active when either list names a prefix, and not for lists of blanks', () => {
  assert.equal(new ClientFilter('', '').active, false)
  assert.equal(new ClientFilter(' , ,', ',').active, false)
  assert.equal(new ClientFilter('-qB', '').active, true)
  assert.equal(new ClientFilter('', '-XL').active, true)
  assert.equal(new ClientFilter(' , ,', '-XL').active, true)
})
