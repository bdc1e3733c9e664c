import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ClientError } from '../../../lib/bittorrent/client-error.ts'
import { hashBytes } from '../../../lib/bittorrent/fnv-hash.ts'
import { parseAnnounceQuery, type AnnounceLimits, type AnnounceQuery } from '../../../lib/http/announce-request.ts'
import { EVENT_COMPLETED, EVENT_NONE, EVENT_STARTED, EVENT_STOPPED } from '../../../lib/store/peer-store.ts'

const limits: AnnounceLimits = { numwantDefault: 50, numwantMax: 200, allowIpParam: false }
const hash = '%01'.repeat(20)
const peer = 'ABCDEFGHIJKLMNOPQRST'
const base = `info_hash=${hash}&peer_id=${peer}&port=6881&left=10`

const defaults: AnnounceQuery = {
  infoHash: Buffer.alloc(20, 1),
  peerId: Buffer.from(peer),
  port: 6881,
  uploaded: 0,
  downloaded: 0,
  left: 10,
  event: EVENT_NONE,
  numwant: 50,
  key: 0,
  compact: true,
  noPeerId: false,
  claimedIp: null
}

/** Each row: a query, and the fields that differ from `defaults`. */
const valid: Array<[string, string, Partial<AnnounceQuery>, AnnounceLimits?]> = [
  ['the minimal announce', base, {}],
  ['parameters in any order', `left=10&port=6881&peer_id=${peer}&info_hash=${hash}`, {}],
  ['a literal + is 0x2B, not a space', `info_hash=${'+'.repeat(20)}&peer_id=${peer}&port=1&left=0`, { infoHash: Buffer.alloc(20, 0x2b), port: 1, left: 0 }],
  ['upper- and lower-case hex', `info_hash=${'%aB'.repeat(20)}&peer_id=${peer}&port=6881&left=10`, { infoHash: Buffer.alloc(20, 0xab) }],
  ['bytes 0x80-0xFF stay bytes', `info_hash=${'%ff%80'.repeat(10)}&peer_id=${peer}&port=6881&left=10`, { infoHash: Buffer.from('ff80'.repeat(10), 'hex') }],
  ['counters', `${base}&uploaded=123&downloaded=9007199254740991`, { uploaded: 123, downloaded: 9007199254740991 }],
  ['left=0 (a seeder)', base.replace('left=10', 'left=0'), { left: 0 }],
  ['port 65535', base.replace('port=6881', 'port=65535'), { port: 65535 }],
  ['event=started', `${base}&event=started`, { event: EVENT_STARTED }],
  ['event=completed', `${base}&event=completed`, { event: EVENT_COMPLETED }],
  ['event=stopped', `${base}&event=stopped`, { event: EVENT_STOPPED }],
  ['event= (empty)', `${base}&event=`, {}],
  ['event=empty', `${base}&event=empty`, {}],
  ['event=paused counts as empty (BEP 21)', `${base}&event=paused`, {}],
  ['numwant within the cap', `${base}&numwant=7`, { numwant: 7 }],
  ['numwant=0', `${base}&numwant=0`, { numwant: 0 }],
  ['numwant above the cap is capped', `${base}&numwant=5000`, { numwant: 200 }],
  ['numwant defaults from the limits', base, { numwant: 3 }, { numwantDefault: 3, numwantMax: 9, allowIpParam: false }],
  ['compact=0 asks for the dictionary model', `${base}&compact=0`, { compact: false }],
  ['compact=1', `${base}&compact=1`, {}],
  ['no_peer_id=1', `${base}&no_peer_id=1`, { noPeerId: true }],
  ['no_peer_id=0', `${base}&no_peer_id=0`, {}],
  ['key is digested', `${base}&key=c0ffee`, { key: hashBytes(Buffer.from('c0ffee'), 0, 6) }],
  ['an empty key is no key', `${base}&key=`, {}],
  ['ip is ignored unless allowed', `${base}&ip=10.1.2.3`, {}],
  ['ip when allowed', `${base}&ip=10.1.2.3`, { claimedIp: Buffer.from([10, 1, 2, 3]) }, { ...limits, allowIpParam: true }],
  ['ipv6 when allowed, percent-encoded', `${base}&ipv6=2001%3Adb8%3A%3A1`, { claimedIp: Buffer.from('20010db8000000000000000000000001', 'hex') }, { ...limits, allowIpParam: true }],
  ['the first address parameter wins', `${base}&ipv4=10.0.0.1&ip=10.0.0.2`, { claimedIp: Buffer.from([10, 0, 0, 1]) }, { ...limits, allowIpParam: true }],
  ['unknown parameters are ignored', `${base}&supportcrypto=1&corrupt=0&trackerid=x&&=&a`, {}],
  ['a repeated parameter: the last wins', `${base}&port=7000`, { port: 7000 }],
  ['the default numwant is capped too', base, { numwant: 2 }, { numwantDefault: 5, numwantMax: 2, allowIpParam: false }],
  ['a bare compact or event is empty', `${base}&compact&event`, {}]
]

for (const [name, qs, expected, lim] of valid) {
  test(`announce query: ${name}`, () => {
    assert.deepEqual(parseAnnounceQuery(qs, lim ?? limits), { ...defaults, ...expected })
  })
}

const invalid: Array<[string, string, string, AnnounceLimits?]> = [
  ['no info_hash', `peer_id=${peer}&port=1&left=0`, 'missing info_hash'],
  ['no peer_id', `info_hash=${hash}&port=1&left=0`, 'missing peer_id'],
  ['no port', `info_hash=${hash}&peer_id=${peer}&left=0`, 'missing port'],
  ['no left', `info_hash=${hash}&peer_id=${peer}&port=1`, 'missing left'],
  ['an empty query', '', 'missing info_hash'],
  ['info_hash of 19 bytes', base.replace(hash, '%01'.repeat(19)), 'info_hash must be 20 bytes, got 19'],
  ['info_hash of 21 bytes', base.replace(hash, '%01'.repeat(21)), 'info_hash must be 20 bytes, got 21'],
  ['peer_id of 0 bytes', base.replace(peer, ''), 'peer_id must be 20 bytes, got 0'],
  ['a bad percent escape', base.replace(hash, '%zz' + '%01'.repeat(19)), 'invalid percent-encoding in info_hash'],
  ['a percent escape cut by the end of the value', base.replace(hash, '%01'.repeat(19) + '%0'), 'invalid percent-encoding in info_hash'],
  ['a lone % at the end of the query', `port=1&left=0&peer_id=${peer}&info_hash=${'%01'.repeat(19)}%`, 'invalid percent-encoding in info_hash'],
  ['a character beyond a byte', base.replace(peer, 'ABCDEFGHIJKLMNOPQRS\u0100'), 'invalid character in peer_id'],
  ['port 0', base.replace('port=6881', 'port=0'), 'port must be between 1 and 65535'],
  ['port above 65535', base.replace('port=6881', 'port=65536'), 'port is too large (at most 65535)'],
  ['a negative port', base.replace('port=6881', 'port=-1'), 'port must not be negative'],
  ['a port that is not a number', base.replace('port=6881', 'port=http'), 'port is not a number'],
  ['an empty port', base.replace('port=6881', 'port='), 'port is empty'],
  ['a bare left (no =) is empty, not 0', `info_hash=${hash}&peer_id=${peer}&port=6881&left`, 'left is empty'],
  ['a bare port before a real one', `port&${base}`.replace('&port=6881', ''), 'port is empty'],
  ['a bare info_hash', `${base}&info_hash`, 'info_hash must be 20 bytes, got 0'],
  ['a port with a sign', base.replace('port=6881', 'port=+1'), 'port is not a number'],
  ['left negative', base.replace('left=10', 'left=-5'), 'left must not be negative'],
  ['left with a decimal point', base.replace('left=10', 'left=1.5'), 'left is not a number'],
  ['uploaded of 17 digits', `${base}&uploaded=12345678901234567`, 'uploaded is too large'],
  ['downloaded past 2^53', `${base}&downloaded=9007199254740992`, 'downloaded is too large (at most 9007199254740991)'],
  ['an unknown event', `${base}&event=finished`, 'event must be started, completed, stopped or empty'],
  ['numwant negative', `${base}&numwant=-1`, 'numwant must not be negative'],
  ['an allowed ip that is not an address', `${base}&ip=example.org`, 'ip is not an IP address', { ...limits, allowIpParam: true }]
]

for (const [name, qs, message, lim] of invalid) {
  test(`announce query refused: ${name}`, () => {
    assert.throws(() => parseAnnounceQuery(qs, lim ?? limits), (err: Error) => {
      assert.ok(err instanceof ClientError, `a ClientError, not ${err.name}`)
      assert.equal(err.message, message)
      return true
    })
  })
}
