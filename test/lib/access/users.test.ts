import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Users } from '../../../lib/access/users.ts'
import { passkeyOfPath } from '../../../lib/bittorrent/passkey-path.ts'

const hex = 'ab'.repeat(20)
const hash = Buffer.from(hex, 'hex')
const peer = Buffer.alloc(20, 0xcd)

test('a passkey is 32 URL-safe characters (192 bits), different each time, and names its member', () => {
  const users = new Users()
  const a = users.create('alice', null)
  const b = users.create('bob', null)
  assert.match(a.passkey, /^[A-Za-z0-9_-]{32}$/)
  assert.notEqual(a.passkey, b.passkey)
  assert.equal(users.authenticate(a.passkey), a.user.id)
  assert.equal(users.authenticate(b.passkey), b.user.id)
})

test('missing, unknown, revoked and expired passkeys are refused, each saying why', () => {
  let now = 1000
  const users = new Users(() => now)
  const { user, passkey } = users.create('x', 1100)
  assert.throws(() => users.authenticate(undefined), /passkey required/)
  assert.throws(() => users.authenticate(''), /passkey required/)
  assert.throws(() => users.authenticate(passkey + 'x'), /unknown passkey/)
  now = 1099
  assert.equal(users.authenticate(passkey), user.id)
  now = 1100
  assert.throws(() => users.authenticate(passkey), /passkey expired/)
  const other = users.create('y', null)
  assert.equal(users.revoke(other.user.id), true)
  assert.throws(() => users.authenticate(other.passkey), /passkey revoked/)
  assert.equal(users.revoke('0'.repeat(16)), false)
})

test('rotation gives a new passkey and the old one stops working at once', () => {
  const users = new Users()
  const { user, passkey } = users.create('r', null)
  const fresh = users.rotate(user.id)
  assert.ok(fresh !== null && fresh !== passkey)
  assert.throws(() => users.authenticate(passkey), /unknown passkey/)
  assert.equal(users.authenticate(fresh), user.id)
  assert.equal(users.rotate('0'.repeat(16)), null)
})

test('accounting credits deltas of the running totals, never the totals, and a client restart is not negative', () => {
  const users = new Users()
  const { user } = users.create('acc', null)
  users.account(user.id, hash, peer, 0, 0, false) // started
  users.account(user.id, hash, peer, 100, 40, false)
  users.account(user.id, hash, peer, 250, 90, false)
  assert.deepEqual([users.get(user.id)?.uploaded, users.get(user.id)?.downloaded], [250, 90])
  // The client restarted: its totals count from zero again.
  users.account(user.id, hash, peer, 30, 10, false)
  users.account(user.id, hash, peer, 50, 10, true)
  users.account(user.id, hash, peer, 50, 10, true)
  const figures = users.get(user.id)
  assert.deepEqual([figures?.uploaded, figures?.downloaded, figures?.completed], [300, 100, 1])
  assert.deepEqual(figures?.torrents, [{ info_hash: hex, uploaded: 300, downloaded: 100, completed: 1 }])
  // A second client of the same member on the same torrent has totals of its own.
  users.account(user.id, hash, Buffer.alloc(20, 0xef), 1000, 0, false)
  users.account(user.id, hash, Buffer.alloc(20, 0xef), 1005, 0, false)
  assert.equal(users.get(user.id)?.uploaded, 305)
})

test('top lists members by a figure; a snapshot restores the same members, passkeys still valid', () => {
  const users = new Users()
  const a = users.create('a', null)
  const b = users.create('b', 5000)
  users.account(a.user.id, hash, peer, 0, 0, false)
  users.account(a.user.id, hash, peer, 10, 0, false)
  users.account(b.user.id, hash, peer, 0, 0, false)
  users.account(b.user.id, hash, peer, 20, 0, true)
  assert.deepEqual(users.top('uploaded', 1).map(u => u.name), ['b'])
  assert.deepEqual(users.top('uploaded', 5).map(u => u.name), ['b', 'a'])
  const copy = new Users()
  assert.deepEqual(copy.restore(JSON.parse(JSON.stringify(users.snapshot()))), { users: 2, skipped: 0 })
  assert.deepEqual(copy.list(), users.list())
  assert.deepEqual(copy.get(b.user.id), users.get(b.user.id))
  assert.equal(copy.authenticate(a.passkey), a.user.id)
  assert.doesNotMatch(JSON.stringify(users.snapshot()), new RegExp(a.passkey), 'the file holds digests, not passkeys')
  assert.deepEqual(new Users().restore({ bad: {}, ['1'.repeat(16)]: { name: 3 } }), { users: 0, skipped: 2 })
})

test('the passkey in announce and scrape paths, both forms', () => {
  assert.equal(passkeyOfPath('/announce/abc_DEF-1'), 'abc_DEF-1')
  assert.equal(passkeyOfPath('/abc/announce'), 'abc')
  assert.equal(passkeyOfPath('/scrape/k'), 'k')
  assert.equal(passkeyOfPath('/k/scrape?x=1'), 'k')
  assert.equal(passkeyOfPath('/announce/k?info_hash=1'), 'k')
  assert.equal(passkeyOfPath('/announce'), undefined)
  assert.equal(passkeyOfPath(''), undefined)
  assert.equal(passkeyOfPath('/other/path'), undefined)
})
