import assert from 'node:assert/strict'
import { test } from 'node:test'
import { announceReply, failureFrame, hexHash, isBinaryId, parseMessage, WsClientError } from '../../../lib/ws/protocol.ts'

const limits = { maxOffers: 2, maxScrape: 3 }
const hash = '\u00ff'.repeat(19) + 'a'
const peer = 'p'.repeat(20)

function refused (message: unknown, reason: RegExp, infoHash?: string): void {
  assert.throws(() => parseMessage(typeof message === 'string' ? message : JSON.stringify(message), limits), (err: unknown) => {
    assert.ok(err instanceof WsClientError)
    assert.match(err.message, reason)
    assert.equal(err.infoHash, infoHash)
    return true
  })
}

test('an announce as bittorrent-tracker\'s Client sends it', () => {
  const parsed = parseMessage(JSON.stringify({ action: 'announce', info_hash: hash, peer_id: peer, numwant: 2, uploaded: 0, downloaded: 0, left: 5, event: 'started', offers: [{ offer: { type: 'offer', sdp: 'x' }, offer_id: 'o'.repeat(20) }] }), limits)
  assert.deepEqual(parsed, { action: 'announce', infoHash: hash, peerId: peer, event: 'started', left: 5, offers: [{ offer: { type: 'offer', sdp: 'x' }, offerId: 'o'.repeat(20) }] })
})

test('event and left: absent or empty is an update, a missing left is a leecher', () => {
  const parsed = parseMessage(JSON.stringify({ action: 'announce', info_hash: hash, peer_id: peer }), limits)
  assert.equal(parsed.action === 'announce' && parsed.event, 'update')
  assert.equal(parsed.action === 'announce' && parsed.left, Infinity)
  const empty = parseMessage(JSON.stringify({ action: 'announce', info_hash: hash, peer_id: peer, event: 'empty', left: '0' }), limits)
  assert.equal(empty.action === 'announce' && empty.event, 'update')
  assert.equal(empty.action === 'announce' && empty.left, 0)
})

test('an answer names the peer it goes to', () => {
  const parsed = parseMessage(JSON.stringify({ action: 'announce', info_hash: hash, peer_id: peer, to_peer_id: 'q'.repeat(20), answer: { sdp: 'y' }, offer_id: 'o'.repeat(20) }), limits)
  assert.deepEqual(parsed.action === 'announce' && parsed.answer, { sdp: { sdp: 'y' }, toPeerId: 'q'.repeat(20), offerId: 'o'.repeat(20) })
})

test('every refusal has a reason, and names the torrent once it is known', () => {
  refused('{', /invalid JSON/)
  refused('null', /JSON object/)
  refused([], /JSON object/)
  refused({ action: 'connect' }, /invalid action/)
  refused({ action: 'announce', info_hash: 'short', peer_id: peer }, /invalid info_hash/)
  refused({ action: 'announce', info_hash: '\u0100'.repeat(20), peer_id: peer }, /invalid info_hash/)
  refused({ action: 'announce', info_hash: hash, peer_id: 7 }, /invalid peer_id/, hash)
  refused({ action: 'announce', info_hash: hash, peer_id: peer, event: 'finished' }, /invalid event/, hash)
  refused({ action: 'announce', info_hash: hash, peer_id: peer, offers: {} }, /invalid offers/, hash)
  refused({ action: 'announce', info_hash: hash, peer_id: peer, offers: [1] }, /invalid offer/, hash)
  refused({ action: 'announce', info_hash: hash, peer_id: peer, offers: [{ offer: 'x', offer_id: 'short' }] }, /offer_id/, hash)
  refused({ action: 'announce', info_hash: hash, peer_id: peer, offers: [{ offer: 1, offer_id: peer }, { offer: 1, offer_id: peer }, { offer: 1, offer_id: peer }] }, /too many offers: at most 2/, hash)
  refused({ action: 'announce', info_hash: hash, peer_id: peer, answer: {} }, /to_peer_id/, hash)
  refused({ action: 'scrape', info_hash: [hash, 3] }, /invalid info_hash/)
  refused({ action: 'scrape', info_hash: [hash, hash, hash, hash] }, /at most 3/)
})

test('scrape takes one hash, a list, or none (a full scrape)', () => {
  assert.deepEqual(parseMessage(JSON.stringify({ action: 'scrape', info_hash: hash }), limits), { action: 'scrape', infoHashes: [hash] })
  assert.deepEqual(parseMessage(JSON.stringify({ action: 'scrape', info_hash: [hash, peer] }), limits), { action: 'scrape', infoHashes: [hash, peer] })
  assert.deepEqual(parseMessage(JSON.stringify({ action: 'scrape' }), limits), { action: 'scrape', infoHashes: [] })
})

test('binary ids survive JSON both ways, and turn into the store\'s hex', () => {
  const bytes = Buffer.from(Array.from({ length: 20 }, (_, i) => i * 13))
  const id = bytes.toString('latin1')
  assert.ok(isBinaryId(id))
  const frame = JSON.parse(announceReply(id, { complete: 1, incomplete: 2 }, 120)) as Record<string, unknown>
  assert.equal(frame.info_hash, id)
  assert.equal(hexHash(id), bytes.toString('hex'))
  assert.deepEqual(JSON.parse(failureFrame('scrape', 'no')), { action: 'scrape', 'failure reason': 'no' })
})
