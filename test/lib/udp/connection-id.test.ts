import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { CONNECTION_ID_LIFETIME, ConnectionIds } from '../../../lib/udp/connection-id.ts'

const v4 = Buffer.from([127, 0, 0, 1])
const v6 = Buffer.from('00000000000000000000000000000001', 'hex')

function clock (start = 1_700_000_000): { now: () => number, advance: (s: number) => void } {
  let t = start
  return { now: () => t, advance: (s: number) => { t += s } }
}

function issued (ids: ConnectionIds, address: Buffer, port: number): Buffer {
  const id = Buffer.alloc(8)
  ids.issue(address, port, id, 0)
  return id
}

test('an id is accepted from the client it was issued to, for its lifetime and no longer', () => {
  const time = clock()
  const ids = new ConnectionIds({ now: time.now })
  const id = issued(ids, v4, 6881)
  assert.ok(ids.verify(id, 0, v4, 6881))
  time.advance(CONNECTION_ID_LIFETIME)
  assert.ok(ids.verify(id, 0, v4, 6881), 'still valid at two minutes')
  time.advance(1)
  assert.equal(ids.verify(id, 0, v4, 6881), false, 'expired after two minutes')
})

test('an id is bound to the address and port, and to the secret', () => {
  const time = clock()
  const secret = randomBytes(16)
  const ids = new ConnectionIds({ secret, now: time.now })
  const id = issued(ids, v4, 6881)
  assert.equal(ids.verify(id, 0, Buffer.from([127, 0, 0, 2]), 6881), false)
  assert.equal(ids.verify(id, 0, v4, 6882), false)
  assert.equal(new ConnectionIds({ now: time.now }).verify(id, 0, v4, 6881), false, 'a restart draws a new secret')
  assert.ok(new ConnectionIds({ secret, now: time.now }).verify(id, 0, v4, 6881), 'same secret, same verdict')
  const six = issued(ids, v6, 6881)
  assert.ok(ids.verify(six, 0, v6, 6881))
  assert.equal(ids.verify(six, 0, v4, 6881), false)
})

test('an id is read in place inside a packet', () => {
  const time = clock()
  const ids = new ConnectionIds({ now: time.now })
  const packet = Buffer.alloc(16)
  ids.issue(v4, 1000, packet, 0)
  assert.ok(ids.verify(packet, 0, v4, 1000))
})

test('changing the issue time in a stolen id does not extend it', () => {
  const time = clock()
  const ids = new ConnectionIds({ now: time.now })
  const id = issued(ids, v4, 6881)
  time.advance(CONNECTION_ID_LIFETIME + 30)
  id.writeUInt16BE((time.now() - 10) & 0xffff, 0)
  assert.equal(ids.verify(id, 0, v4, 6881), false)
})

test('an id from 2^16 seconds ago, whose short time field looks fresh, is refused', () => {
  const time = clock()
  const ids = new ConnectionIds({ now: time.now })
  const id = issued(ids, v4, 6881)
  time.advance(0x10000)
  assert.equal(ids.verify(id, 0, v4, 6881), false)
})

test('random and zero ids are refused', () => {
  const ids = new ConnectionIds()
  assert.equal(ids.verify(Buffer.alloc(8), 0, v4, 6881), false)
  for (let i = 0; i < 10_000; i++) {
    const forged = randomBytes(8)
    // A forger who knows the format puts the current second in the time field.
    forged.writeUInt16BE(Math.floor(Date.now() / 1000) & 0xffff, 0)
    assert.equal(ids.verify(forged, 0, v4, 6881), false)
  }
})

test('ids differ between clients and between seconds', () => {
  const time = clock()
  const ids = new ConnectionIds({ now: time.now })
  const a = issued(ids, v4, 6881)
  assert.notDeepEqual(a, issued(ids, v4, 6882))
  time.advance(1)
  assert.notDeepEqual(a, issued(ids, v4, 6881))
})
