import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AddressCounts, MessageRate } from '../../../lib/ws/limits.ts'

test('message rate: the allowance, refusals past it, close at twice it, a new second starts afresh', () => {
  const rate = new MessageRate(2)
  assert.deepEqual([1000, 1100, 1200, 1300, 1400].map(t => rate.take(t)), ['ok', 'ok', 'refuse', 'refuse', 'close'])
  assert.equal(rate.take(2000), 'ok')
})

test('connections per address are capped and given back', () => {
  const open = new AddressCounts(2)
  assert.ok(open.acquire('1.2.3.4'))
  assert.ok(open.acquire('1.2.3.4'))
  assert.ok(!open.acquire('1.2.3.4'))
  assert.ok(open.acquire('5.6.7.8'))
  open.release('1.2.3.4')
  assert.equal(open.count('1.2.3.4'), 1)
  assert.ok(open.acquire('1.2.3.4'))
})

test('the last connection of an address given back leaves it at zero, and a release too many takes no place away', () => {
  const open = new AddressCounts(2)
  assert.ok(open.acquire('1.2.3.4'))
  open.release('1.2.3.4')
  assert.equal(open.count('1.2.3.4'), 0)
  open.release('1.2.3.4')
  open.release('5.6.7.8')
  assert.equal(open.count('1.2.3.4'), 0)
  assert.equal(open.count('5.6.7.8'), 0)
  // Still capped at two: an extra release must not have opened a third place.
  assert.ok(open.acquire('5.6.7.8'))
  assert.ok(open.acquire('5.6.7.8'))
  assert.ok(!open.acquire('5.6.7.8'))
})
