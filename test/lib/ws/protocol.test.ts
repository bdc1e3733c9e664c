import assert from 'node:assert/strict'
import { test } from 'node:test'
import { announceReply, answerFrame, failureFrame, hexHash, isBinaryId, offerFrame, parseMessage, scrapeReply, WsClientError, type WsEvent } from '../../../lib/ws/protocol.ts'

const limits = { maxOffers: 2, maxScrape: 3 }
const hash = '\u00ff'.repeat(19) + 'a'
const peer = 'p'.repeat(20)
const offerId = 'o'.repeat(20)

/** The failure frame the client is sent for `message`, built as plugins/websocket.ts builds it. */
function refusal (message: unknown): unknown {
  try {
    parseMessage(typeof message === 'string' ? message : JSON.stringify(message), limits)
  } catch (err) {
    assert.ok(err instanceof WsClientError, `not a WsClientError: ${String(err)}`)
    return JSON.parse(failureFrame(err.action, err.message, err.infoHash))
  }
  assert.fail(`accepted: ${JSON.stringify(message)}`)
}

function announce (fields: Record<string, unknown>): Record<string, unknown> {
  return { action: 'announce', info_hash: hash, peer_id: peer, ...fields }
}

test('an announce as bittorrent-tracker\'s Client sends it', () => {
  const parsed = parseMessage(JSON.stringify({ action: 'announce', info_hash: hash, peer_id: peer, numwant: 2, uploaded: 0, downloaded: 0, left: 5, event: 'started', offers: [{ offer: { type: 'offer', sdp: 'x' }, offer_id: offerId }] }), limits)
  assert.deepEqual(parsed, { action: 'announce', infoHash: hash, peerId: peer, event: 'started', left: 5, offers: [{ offer: { type: 'offer', sdp: 'x' }, offerId }] })
})

test('event and left: absent or empty is an update, a missing left is a leecher', () => {
  const parsed = parseMessage(JSON.stringify({ action: 'announce', info_hash: hash, peer_id: peer }), limits)
  assert.equal(parsed.action === 'announce' && parsed.event, 'update')
  assert.equal(parsed.action === 'announce' && parsed.left, Infinity)
  const empty = parseMessage(JSON.stringify({ action: 'announce', info_hash: hash, peer_id: peer, event: 'empty', left: '0' }), limits)
  assert.equal(empty.action === 'announce' && empty.event, 'update')
  assert.equal(empty.action === 'announce' && empty.left, 0)
})

test('each event the protocol names is taken as sent; null, "" and "empty" are updates', () => {
  const cases: Array<[unknown, WsEvent]> = [
    ['started', 'started'], ['stopped', 'stopped'], ['completed', 'completed'], ['update', 'update'], ['paused', 'paused'],
    [null, 'update'], ['', 'update'], ['empty', 'update']
  ]
  for (const [event, expected] of cases) {
    const parsed = parseMessage(JSON.stringify(announce({ event })), limits)
    assert.equal(parsed.action === 'announce' && parsed.event, expected, `event ${JSON.stringify(event)}`)
  }
})

test('left: a number or numeric string counts; null or not a number is a leecher', () => {
  const cases: Array<[unknown, number]> = [[0, 0], ['0', 0], [7, 7], [null, Infinity], ['many', Infinity], [undefined, Infinity]]
  for (const [left, expected] of cases) {
    const parsed = parseMessage(JSON.stringify(announce({ left })), limits)
    assert.equal(parsed.action === 'announce' && parsed.left, expected, `left ${JSON.stringify(left)}`)
  }
})

test('null offers and a null answer are as good as none', () => {
  assert.deepEqual(parseMessage(JSON.stringify(announce({ offers: null, answer: null })), limits), { action: 'announce', infoHash: hash, peerId: peer, event: 'update', left: Infinity, offers: [] })
})

test('as many offers as the limit are all taken', () => {
  const offers = [{ offer: 1, offer_id: offerId }, { offer: 2, offer_id: peer }]
  const parsed = parseMessage(JSON.stringify(announce({ offers })), limits)
  assert.deepEqual(parsed.action === 'announce' && parsed.offers, [{ offer: 1, offerId }, { offer: 2, offerId: peer }])
})

test('an answer names the peer it goes to', () => {
  const parsed = parseMessage(JSON.stringify({ action: 'announce', info_hash: hash, peer_id: peer, to_peer_id: 'q'.repeat(20), answer: { sdp: 'y' }, offer_id: offerId }), limits)
  assert.deepEqual(parsed.action === 'announce' && parsed.answer, { sdp: { sdp: 'y' }, toPeerId: 'q'.repeat(20), offerId })
})

test('every refusal tells the client why, and names the torrent once it is known', () => {
  const none = (reason: string): unknown => ({ action: 'announce', 'failure reason': reason })
  const named = (reason: string): unknown => ({ action: 'announce', 'failure reason': reason, info_hash: hash })
  const scrape = (reason: string): unknown => ({ action: 'scrape', 'failure reason': reason })
  const badOffer = named('invalid offer: `offer` and a 20-character `offer_id` expected')
  const cases: Array<[string, unknown, unknown]> = [
    ['not JSON', '{', none('invalid JSON')],
    ['null', 'null', none('a message must be a JSON object')],
    ['a number', '5', none('a message must be a JSON object')],
    ['a string', '"announce"', none('a message must be a JSON object')],
    ['an array', [], none('a message must be a JSON object')],
    ['an unknown action', { action: 'connect' }, none('invalid action: expected "announce" or "scrape"')],
    ['a short info_hash', announce({ info_hash: 'short' }), none('invalid info_hash: 20 binary characters expected')],
    ['an info_hash one character too long', announce({ info_hash: hash + 'b' }), none('invalid info_hash: 20 binary characters expected')],
    ['an info_hash past one byte per character', announce({ info_hash: '\u0100'.repeat(20) }), none('invalid info_hash: 20 binary characters expected')],
    ['a numeric peer_id', announce({ peer_id: 7 }), named('invalid peer_id: 20 binary characters expected')],
    ['an unknown event', announce({ event: 'finished' }), named('invalid event')],
    ['a numeric event', announce({ event: 1 }), named('invalid event')],
    ['offers not an array', announce({ offers: {} }), named('invalid offers: an array expected')],
    ['a number for an offer', announce({ offers: [1] }), named('invalid offer: an object expected')],
    ['null for an offer', announce({ offers: [null] }), named('invalid offer: an object expected')],
    ['an offer without its SDP', announce({ offers: [{ offer_id: offerId }] }), badOffer],
    ['an offer with a short offer_id', announce({ offers: [{ offer: 'x', offer_id: 'short' }] }), badOffer],
    ['more offers than the limit', announce({ offers: [1, 2, 3].map(offer => ({ offer, offer_id: offerId })) }), named('too many offers: at most 2 per announce')],
    ['an answer for nobody', announce({ answer: {} }), named('invalid `to_peer_id` (required with `answer`)')],
    ['a scrape with a bad hash', { action: 'scrape', info_hash: [hash, 3] }, scrape('invalid info_hash: 20 binary characters expected')],
    ['a scrape past the limit', { action: 'scrape', info_hash: [hash, hash, hash, hash] }, scrape('too many info hashes: at most 3 per scrape')]
  ]
  for (const [name, message, expected] of cases) assert.deepEqual(refusal(message), expected, name)
})

test('a refusal shows in logs under its own name', () => {
  assert.match(String(new WsClientError('invalid event')), /^WsClientError: invalid event$/)
})

test('scrape takes one hash, a list up to the limit, or none (a full scrape)', () => {
  assert.deepEqual(parseMessage(JSON.stringify({ action: 'scrape', info_hash: hash }), limits), { action: 'scrape', infoHashes: [hash] })
  assert.deepEqual(parseMessage(JSON.stringify({ action: 'scrape', info_hash: [hash, peer] }), limits), { action: 'scrape', infoHashes: [hash, peer] })
  assert.deepEqual(parseMessage(JSON.stringify({ action: 'scrape', info_hash: [hash, peer, offerId] }), limits), { action: 'scrape', infoHashes: [hash, peer, offerId] })
  assert.deepEqual(parseMessage(JSON.stringify({ action: 'scrape' }), limits), { action: 'scrape', infoHashes: [] })
  assert.deepEqual(parseMessage(JSON.stringify({ action: 'scrape', info_hash: null }), limits), { action: 'scrape', infoHashes: [] })
})

test('binary ids survive JSON both ways, and turn into the store\'s hex', () => {
  const bytes = Buffer.from(Array.from({ length: 20 }, (_, i) => i * 13))
  const id = bytes.toString('latin1')
  assert.ok(isBinaryId(id))
  const frame = JSON.parse(announceReply(id, { complete: 1, incomplete: 2 }, 120)) as Record<string, unknown>
  assert.equal(frame.info_hash, id)
  assert.equal(hexHash(id), bytes.toString('hex'))
})

// Exact frames, key order included: bittorrent-tracker's Client reads these fields by name.
test('the frames sent to clients', () => {
  const cases: Array<[string, string, string]> = [
    ['announce reply', announceReply(hash, { complete: 1, incomplete: 2 }, 120),
      `{"action":"announce","interval":120,"info_hash":${JSON.stringify(hash)},"complete":1,"incomplete":2}`],
    ['offer relayed', offerFrame(hash, peer, { offer: { type: 'offer', sdp: 'x' }, offerId }),
      `{"action":"announce","offer":{"type":"offer","sdp":"x"},"offer_id":"${offerId}","peer_id":"${peer}","info_hash":${JSON.stringify(hash)}}`],
    ['answer relayed', answerFrame(hash, peer, { type: 'answer', sdp: 'y' }, offerId),
      `{"action":"announce","answer":{"type":"answer","sdp":"y"},"offer_id":"${offerId}","peer_id":"${peer}","info_hash":${JSON.stringify(hash)}}`],
    ['scrape reply', scrapeReply([{ infoHash: hash, complete: 3, incomplete: 4, downloaded: 5 }, { infoHash: peer, complete: 0, incomplete: 1, downloaded: 0 }], 60),
      `{"action":"scrape","files":{${JSON.stringify(hash)}:{"complete":3,"incomplete":4,"downloaded":5},"${peer}":{"complete":0,"incomplete":1,"downloaded":0}},"flags":{"min_request_interval":60}}`],
    ['empty scrape reply', scrapeReply([], 60), '{"action":"scrape","files":{},"flags":{"min_request_interval":60}}'],
    ['failure for a torrent', failureFrame('announce', 'no', hash), `{"action":"announce","failure reason":"no","info_hash":${JSON.stringify(hash)}}`],
    ['failure for no torrent', failureFrame('scrape', 'no'), '{"action":"scrape","failure reason":"no"}']
  ]
  for (const [name, frame, expected] of cases) assert.equal(frame, expected, name)
})
