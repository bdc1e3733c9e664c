import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatBytes, formatCount, formatDuration, formatMs, formatRate } from '../../dashboard/format.js'

test('counts have thousands separators in the reader\'s locale', () => {
  assert.equal(formatCount(0, 'en-US'), '0')
  assert.equal(formatCount(1234567, 'en-US'), '1,234,567')
  assert.equal(formatCount(1234567, 'de-DE'), '1.234.567')
})

test('rates have a unit, and a decimal while small', () => {
  assert.equal(formatRate(0, 'en-US'), '0.0/s')
  assert.equal(formatRate(0.44, 'en-US'), '0.4/s')
  assert.equal(formatRate(1250.4, 'en-US'), '1,250/s')
})

test('sizes are in binary units with three significant digits', () => {
  assert.equal(formatBytes(512, 'en-US'), '512 B')
  assert.equal(formatBytes(1536, 'en-US'), '1.50 KiB')
  assert.equal(formatBytes(123.4 * 1024 * 1024, 'en-US'), '123 MiB')
  assert.equal(formatBytes(45.67 * 1024 ** 3, 'en-US'), '45.7 GiB')
  assert.equal(formatBytes(3 * 1024 ** 5, 'en-US'), '3,072 TiB')
})

test('milliseconds switch to seconds past one second', () => {
  assert.equal(formatMs(0, 'en-US'), '0 ms')
  assert.equal(formatMs(0.25, 'en-US'), '0.25 ms')
  assert.equal(formatMs(12.4, 'en-US'), '12 ms')
  assert.equal(formatMs(1500, 'en-US'), '1.5 s')
})

test('durations show their two largest units', () => {
  assert.equal(formatDuration(45.9), '45 s')
  assert.equal(formatDuration(-3), '0 s')
  assert.equal(formatDuration(192), '3 min 12 s')
  assert.equal(formatDuration(180), '3 min')
  assert.equal(formatDuration(2 * 3600 + 5 * 60 + 7), '2 h 5 min')
  assert.equal(formatDuration(3 * 86400 + 4 * 3600), '3 d 4 h')
  assert.equal(formatDuration(86400), '1 d')
})
