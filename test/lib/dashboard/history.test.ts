import assert from 'node:assert/strict'
import { test } from 'node:test'
import { History, ratesBetween } from '../../../lib/dashboard/history.ts'

test('a history returns its rows oldest first, and forgets the oldest once full', () => {
  const h = new History(['a', 'b'] as const, 3)
  assert.deepEqual(h.series(), { time: [], values: { a: [], b: [] } })
  h.push(10, { a: 1, b: 10 })
  h.push(15, { a: 2, b: 20 })
  assert.equal(h.length, 2)
  assert.deepEqual(h.series(), { time: [10, 15], values: { a: [1, 2], b: [10, 20] } })
  h.push(20, { a: 3, b: 30 })
  h.push(25, { a: 4, b: 40 })
  h.push(30, { a: 5, b: 50 })
  assert.equal(h.length, 3)
  assert.deepEqual(h.series(), { time: [20, 25, 30], values: { a: [3, 4, 5], b: [30, 40, 50] } })
})

test('a history gives the rows after a time, for a page that has the earlier ones', () => {
  const h = new History(['a'] as const, 3)
  for (let i = 1; i <= 5; i++) h.push(i * 10, { a: i })
  assert.deepEqual(h.series(30), { time: [40, 50], values: { a: [4, 5] } })
  assert.deepEqual(h.series(35), { time: [40, 50], values: { a: [4, 5] } })
  assert.deepEqual(h.series(0), { time: [30, 40, 50], values: { a: [3, 4, 5] } })
  assert.deepEqual(h.series(50), { time: [], values: { a: [] } })
})

test('rows after a time, once the window has wrapped round', () => {
  const h = new History(['a'] as const, 4)
  for (let i = 1; i <= 6; i++) h.push(i * 10, { a: i })
  // Stored as 50 60 30 40: the oldest row is not at index 0, so the search for `since` must wrap round.
  const after = (since: number): number[] => h.series(since).time
  assert.deepEqual([20, 30, 40, 50, 60].map(after), [[30, 40, 50, 60], [40, 50, 60], [50, 60], [60], []])
  assert.deepEqual(h.series(40).values, { a: [5, 6] })
})

test('a history of one row keeps the latest', () => {
  const h = new History(['x'] as const, 1)
  h.push(1, { x: 1 })
  h.push(2, { x: 2 })
  assert.deepEqual(h.series(), { time: [2], values: { x: [2] } })
})

test('a history refuses a capacity that is not a positive integer', () => {
  assert.throws(() => new History(['x'] as const, 0), { name: 'RangeError', message: 'capacity must be a positive integer, got 0' })
  assert.throws(() => new History(['x'] as const, 1.5), { name: 'RangeError', message: 'capacity must be a positive integer, got 1.5' })
})

test('rates are deltas per second; a counter that went back counts from zero', () => {
  assert.deepEqual(ratesBetween({ a: 10, b: 5 }, { a: 30, b: 5 }, 5), { a: 4, b: 0 })
  assert.deepEqual(ratesBetween({ a: 100 }, { a: 20 }, 10), { a: 2 })
  assert.deepEqual(ratesBetween({ a: 1 }, { a: 2 }, 0), { a: 0 })
})
