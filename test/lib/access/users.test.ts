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

test('the default clock counts seconds since the epoch', () => {
  const users = new Users()
  const { user } = users.create('clock', null)
  const now = Date.now() / 1000
  assert.ok(Math.abs(user.created_at - now) < 5, `${user.created_at} is not about ${now}`)
  assert.ok(Number.isInteger(user.created_at))
})

test('prune forgets the totals of clients silent since before the cutoff, and only those', () => {
  let now = 100
  const users = new Users(() => now)
  const { user } = users.create('p', null)
  users.account(user.id, hash, peer, 10, 0, false)
  users.prune(100) // seen at 100: not before the cutoff
  users.account(user.id, hash, peer, 30, 0, false)
  assert.equal(users.get(user.id)?.uploaded, 20)
  now = 150
  users.prune(101) // last seen at 100: its next announce starts over, crediting nothing
  users.account(user.id, hash, peer, 60, 0, false)
  assert.equal(users.get(user.id)?.uploaded, 20)
  users.account(user.id, hash, peer, 70, 0, false)
  assert.equal(users.get(user.id)?.uploaded, 30)
})

test('restore of something that is not an object of users takes nothing', () => {
  for (const saved of [null, undefined, 42, 'users', true]) {
    assert.deepEqual(new Users().restore(saved), { users: 0, skipped: 0 }, String(saved))
  }
})

test('restore skips each user entry with one field out of format, and takes the valid one', () => {
  const id = '0123456789abcdef'
  const digest = 'ab'.repeat(32)
  const valid = { name: 'v', created_at: 10, expires_at: null, revoked: false, uploaded: 1, downloaded: 2, completed: 3, digest, torrents: [] }
  const broken: Array<[string, string, unknown]> = [
    ['entry is null', id, null],
    ['entry is missing', id, undefined],
    ['entry is a number', id, 7],
    ['id too short', id.slice(1), valid],
    ['id too long', id + '0', valid],
    ['id after a prefix', 'z' + id, valid],
    ['id with a suffix', id + 'z', valid],
    ['id in capitals', id.toUpperCase(), valid],
    ['digest not a string', id, { ...valid, digest: 5 }],
    ['digest too short', id, { ...valid, digest: digest.slice(1) }],
    ['digest after a prefix', id, { ...valid, digest: 'z' + digest }],
    ['digest with a suffix', id, { ...valid, digest: digest + 'z' }],
    ['name not a string', id, { ...valid, name: 3 }],
    ['created_at negative', id, { ...valid, created_at: -1 }],
    ['created_at a fraction', id, { ...valid, created_at: 1.5 }],
    ['created_at a string', id, { ...valid, created_at: '10' }],
    ['expires_at a string', id, { ...valid, expires_at: '10' }],
    ['expires_at negative', id, { ...valid, expires_at: -5 }],
    ['revoked not a boolean', id, { ...valid, revoked: 0 }],
    ['uploaded negative', id, { ...valid, uploaded: -1 }],
    ['downloaded a fraction', id, { ...valid, downloaded: 0.5 }],
    ['completed missing', id, { ...valid, completed: undefined }],
    ['torrents not an array', id, { ...valid, torrents: {} }]
  ]
  for (const [why, key, entry] of broken) {
    const users = new Users()
    assert.deepEqual(users.restore({ [key]: entry }), { users: 0, skipped: 1 }, why)
    assert.equal(users.size, 0, why)
  }
  const users = new Users()
  assert.deepEqual(users.restore({ [id]: { ...valid, expires_at: 99 } }), { users: 1, skipped: 0 })
  assert.deepEqual(users.get(id), { id, name: 'v', created_at: 10, expires_at: 99, revoked: false, uploaded: 1, downloaded: 2, completed: 3, torrents: [] })
})

test('restore keeps a user\'s valid torrent figures and skips and counts the others', () => {
  const id = '0123456789abcdef'
  const good = { info_hash: hex, uploaded: 5, downloaded: 6, completed: 1 }
  const torrents = [
    good,
    null,
    { ...good, info_hash: 'z' + hex },
    { ...good, info_hash: hex + 'z' },
    { ...good, info_hash: hex.slice(2) },
    { ...good, uploaded: -1 },
    { ...good, downloaded: '6' },
    { ...good, completed: 0.5 }
  ]
  const users = new Users()
  const saved = { name: 't', created_at: 1, expires_at: null, revoked: true, uploaded: 5, downloaded: 6, completed: 1, digest: 'cd'.repeat(32), torrents }
  assert.deepEqual(users.restore({ [id]: saved }), { users: 1, skipped: 7 })
  assert.deepEqual(users.get(id)?.torrents, [good])
  // The restored torrent is keyed by its binary hash, as announces look it up.
  users.account(id, hash, peer, 0, 0, false)
  users.account(id, hash, peer, 4, 0, false)
  assert.deepEqual(users.get(id)?.torrents, [{ ...good, uploaded: 9 }])
})

test('restoring a user again replaces it: the old passkey stops working', () => {
  const users = new Users()
  const { user, passkey } = users.create('again', null)
  assert.equal(users.authenticate(passkey), user.id)
  const snapshot = users.snapshot()
  const entry = snapshot[user.id]
  assert.ok(entry !== undefined)
  assert.deepEqual(users.restore({ [user.id]: { ...entry, digest: 'ef'.repeat(32) } }), { users: 1, skipped: 0 })
  assert.throws(() => users.authenticate(passkey), /unknown passkey/)
  assert.equal(users.size, 1)
})
