import assert from 'node:assert/strict'
import { isIPv4 } from 'node:net'
import { test } from 'node:test'
import { formatIp, isLoopback, parseIp } from '../../../lib/bittorrent/ip-address.ts'

test('IPv4 text is accepted exactly when node:net accepts it, and read byte for byte', () => {
  const cases = [
    '0.0.0.0', '1.2.3.4', '127.0.0.2', '255.255.255.255', '10.0.0.10', '192.168.100.200',
    '256.1.1.1', '1.2.3.256', '01.2.3.4', '1.2.3.04', '00.0.0.0', '1.2.3', '1.2.3.4.5', '1..2.3', '.1.2.3',
    '1.2.3.', '1.2.3.4 ', ' 1.2.3.4', '+1.2.3.4', '1e2.0.0.1', '1.2.3.-4', '1.2.3.4/8', '', '1234.1.1.1',
    '1.2.3.a', '١.٢.٣.٤'
  ]
  for (const text of cases) {
    const bytes = parseIp(text)
    if (!isIPv4(text)) {
      assert.equal(bytes, null, `${JSON.stringify(text)} is refused`)
      continue
    }
    assert.deepEqual(bytes && [...bytes], text.split('.').map(Number), text)
    assert.equal(formatIp(bytes as Buffer), text)
  }
})

test('random dotted strings: parseIp agrees with node:net on what is an IPv4 address', () => {
  let valid = 0
  for (let i = 0; i < 20_000; i++) {
    // Three to five parts of up to four digits: valid addresses and every near miss.
    const parts = Array.from({ length: 3 + Math.floor(Math.random() * 3) }, () =>
      Array.from({ length: Math.floor(Math.random() * 5) }, () => String(Math.floor(Math.random() * 10))).join(''))
    const text = parts.join('.')
    assert.equal(parseIp(text) !== null, isIPv4(text), JSON.stringify(text))
    if (isIPv4(text)) valid++
  }
  assert.ok(valid > 100, 'the sample holds valid addresses too')
})

test('IPv6 text, IPv4-mapped addresses included, keeps its meaning', () => {
  assert.deepEqual([...(parseIp('::ffff:10.1.2.3') as Buffer)], [10, 1, 2, 3])
  assert.equal(formatIp(parseIp('2001:db8::1') as Buffer), '2001:db8::1')
  assert.equal(formatIp(parseIp('64:ff9b::192.0.2.33') as Buffer), '64:ff9b::c000:221')
  assert.equal(parseIp('2001:db8::1::2'), null)
  assert.equal(parseIp('::ffff:300.1.2.3'), null)
})

test('IPv6 addresses parse and format as RFC 5952 text, the longest run of zero groups shortened', () => {
  const cases: Array<[string, string]> = [
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2:3:4:5:6'],
    ['2001:db8::1:2:3:4:5', '2001:db8:0:1:2:3:4:5'],
    ['fe80::1%eth0', 'fe80::1'],
    ['FE80::ABCD', 'fe80::abcd'],
    ['0:0:0:0:0:1:0:0', '::1:0:0'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3']
  ]
  for (const [text, formatted] of cases) {
    const bytes = parseIp(text)
    assert.equal(bytes?.length, 16, text)
    assert.equal(formatIp(bytes as Buffer), formatted, text)
  }
  // IPv4-mapped addresses become their 4 bytes; others with the same tail do not.
  assert.deepEqual([...(parseIp('::ffff:1.2.3.4') as Buffer)], [1, 2, 3, 4])
  assert.equal(parseIp('::fffe:1.2.3.4')?.length, 16)
  assert.equal(parseIp('1::ffff:1.2.3.4')?.length, 16)
  assert.equal(parseIp('::ff:1.2.3.4')?.length, 16)
  for (const bad of ['1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', ':1:2:3:4:5:6:7', 'g::1', '12345::', '1:::2', '::1.2.3', 'fe80::1%']) {
    assert.equal(parseIp(bad), null, bad)
  }
})

test('isLoopback: 127.0.0.0/8 and ::1, mapped or not; nothing else', () => {
  for (const yes of ['127.0.0.1', '127.255.0.3', '::1', '::ffff:127.0.0.2']) assert.equal(isLoopback(yes), true, yes)
  for (const no of [undefined, '', '128.0.0.1', '10.127.0.1', '::2', '::ffff:10.0.0.1', '127.0.0', '0:0:0:0:0:0:0:2', 'localhost', '127.0.0.1.5']) {
    assert.equal(isLoopback(no), false, String(no))
  }
})
