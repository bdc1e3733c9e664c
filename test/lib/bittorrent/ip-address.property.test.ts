import assert from 'node:assert/strict'
import { isIPv6 } from 'node:net'
import { test } from 'node:test'
import fc from 'fast-check'
import { compactEndpoint, formatIp, parseIp } from '../../../lib/bittorrent/ip-address.ts'

/** 16-byte addresses rich in zero groups (the compression cases), sometimes IPv4-mapped. */
const group = fc.oneof(fc.constant(0), fc.constant(0), fc.constant(1), fc.integer({ min: 0, max: 0xffff }))
const ipv6 = fc.array(group, { minLength: 8, maxLength: 8 }).map(groups => {
  const b = Buffer.alloc(16)
  groups.forEach((g, i) => b.writeUInt16BE(g, i * 2))
  return b
})
const isMapped = (b: Buffer): boolean => b.subarray(0, 10).every(x => x === 0) && b[10] === 0xff && b[11] === 0xff

/** The WHATWG URL parser's serialization: the first longest run of two or more zero groups shortened. */
function reference (bytes: Buffer): string {
  const full = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16)).join(':')
  return new URL(`http://[${full}]/`).hostname.slice(1, -1)
}

test('formatIp writes IPv6 as the URL standard does, and parseIp reads it back to the same bytes', () => {
  fc.assert(fc.property(ipv6, bytes => {
    const text = formatIp(bytes)
    assert.equal(text, reference(bytes))
    assert.ok(isIPv6(text))
    const back = parseIp(text)
    if (isMapped(bytes)) assert.deepEqual(back, bytes.subarray(12))
    else assert.deepEqual(back, bytes)
  }), { numRuns: 2000, seed: 20261202 })
})

test('IPv4-mapped and other 16-byte forms: only ::ffff:0:0/96 becomes 4 bytes', () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 11 }), fc.integer({ min: 1, max: 255 }), (v4, at, value) => {
    const mapped = Buffer.concat([Buffer.alloc(10), Buffer.from([0xff, 0xff]), v4])
    const dotted = `::ffff:${[...v4].join('.')}`
    assert.deepEqual(parseIp(dotted), Buffer.from(v4))
    assert.deepEqual(parseIp(formatIp(mapped)), Buffer.from(v4))
    // Any other byte before the address makes it a plain IPv6 address.
    const other = Buffer.from(mapped)
    other[at] = at >= 10 ? 0xff ^ value : value
    assert.deepEqual(parseIp(formatIp(other)), other)
  }), { numRuns: 500, seed: 20261202 })
})

test('a zone index is dropped, whatever characters it holds', () => {
  assert.deepEqual(parseIp('fe80::1%a:b'), parseIp('fe80::1'))
  assert.deepEqual(parseIp('fe80::1%1.2.3.4'), parseIp('fe80::1'))
  assert.deepEqual(parseIp('::1.2.3.4%x'), parseIp('::1.2.3.4'))
  assert.deepEqual(parseIp('::ffff:1.2.3.4%eth0'), Buffer.from([1, 2, 3, 4]))
  assert.equal(formatIp(parseIp('::1.2.3.4%x') as Buffer), '::102:304')
})

test('compactEndpoint is the address bytes then the port, big-endian', () => {
  assert.deepEqual([...compactEndpoint(Buffer.from([1, 2, 3, 4]), 0x1ae1)], [1, 2, 3, 4, 0x1a, 0xe1])
  const v6 = parseIp('2001:db8::7') as Buffer
  const endpoint = compactEndpoint(v6, 65535)
  assert.equal(endpoint.length, 18)
  assert.deepEqual(endpoint.subarray(0, 16), v6)
  assert.equal(endpoint.readUInt16BE(16), 65535)
})
