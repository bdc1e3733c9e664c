import assert from 'node:assert/strict'
import { test } from 'node:test'
import { FailureReasons, OTHER_REASONS } from '../../../lib/dashboard/failure-reasons.ts'

test('failures are counted by reason, most frequent first, ties in alphabetical order', () => {
  const r = new FailureReasons()
  for (const reason of ['missing port', 'unregistered torrent', 'missing port', 'bad connection id', 'unregistered torrent', 'missing port']) r.count(reason)
  assert.equal(r.total, 6)
  assert.deepEqual(r.top(10), [
    { reason: 'missing port', count: 3 },
    { reason: 'unregistered torrent', count: 2 },
    { reason: 'bad connection id', count: 1 }
  ])
  assert.deepEqual(r.top(1), [{ reason: 'missing port', count: 3 }])
  r.count('a first')
  assert.deepEqual(r.top(4).slice(2), [{ reason: 'a first', count: 1 }, { reason: 'bad connection id', count: 1 }])
})

test('reasons beyond the cap are counted together, and long reasons are cut', () => {
  const r = new FailureReasons(2)
  r.count('one')
  r.count('two')
  r.count('three')
  r.count('four')
  r.count('one')
  assert.equal(r.total, 5)
  assert.deepEqual(r.top(10), [{ reason: 'one', count: 2 }, { reason: OTHER_REASONS, count: 2 }, { reason: 'two', count: 1 }])
  const long = new FailureReasons()
  long.count('x'.repeat(500))
  assert.equal(long.top(1)[0].reason.length, 120)
})

test('a reason of 120 characters is kept whole; a longer one is counted under its first 120', () => {
  const r = new FailureReasons()
  const at = 'a'.repeat(119) + 'b'
  r.count(at)
  r.count(at + 'c')
  r.count(at + 'd'.repeat(50))
  assert.deepEqual(r.top(10), [{ reason: at, count: 3 }])
})

test('reasons as often as each other are listed alphabetically, whatever order they came in', () => {
  for (const order of [['a', 'b', 'c'], ['c', 'b', 'a'], ['b', 'c', 'a']]) {
    const r = new FailureReasons()
    for (const reason of order) r.count(reason)
    assert.deepEqual(r.top(10).map(t => t.reason), ['a', 'b', 'c'], order.join())
  }
})
