import assert from 'node:assert/strict'
import { test } from 'node:test'
import { announce, decode, encodeBytes, get, id, startTracker, text } from '../helpers/tracker.ts'

function files (body: Buffer): Map<string, Record<string, unknown>> {
  const decoded = decode(body)
  assert.ok(decoded.files !== undefined, text(decoded['failure reason'] ?? 'no files'))
  const out = new Map<string, Record<string, unknown>>()
  // Keys are raw 20-byte hashes; decode them as latin1 to keep every byte.
  const raw = decoded.files as Record<string, Record<string, unknown>>
  for (const [k, v] of Object.entries(raw)) out.set(Buffer.from(k, 'latin1').toString('hex'), v)
  return out
}

test('scrape answers counts for several hashes keyed by the raw 20-byte hash, zeros for unknown ones', async (t) => {
  const tracker = await startTracker(t)
  const a = Buffer.from('ff'.repeat(10) + '2b20002580' + '00'.repeat(5), 'hex')
  const b = id('b')
  const unknown = id('unknown')
  await announce(tracker, { infoHash: a, peerId: id('p'), port: 6001, left: 0, event: 'completed' })
  await announce(tracker, { infoHash: a, peerId: id('p'), port: 6002, left: 5 })
  await announce(tracker, { infoHash: b, peerId: id('p'), port: 6003, left: 5 })
  await tracker.app.inject({ method: 'POST', url: '/add_torrent_info', payload: { info_hash: a.toString('hex'), name: 'Ubuntu ✓' } })

  const res = await get(tracker.url, `/scrape?info_hash=${encodeBytes(a)}&info_hash=${encodeBytes(b)}&info_hash=${encodeBytes(unknown)}`)
  assert.equal(res.status, 200)
  // Decoders turn keys into text, which mangles bytes 0x80-0xFF: check this entry in the raw reply.
  const entryA = Buffer.concat([Buffer.from('20:'), a, Buffer.from('d8:completei1e10:downloadedi1e10:incompletei1e4:name10:Ubuntu ✓e')])
  assert.ok(res.body.includes(entryA), 'raw hash bytes as the key, then its counts and name')
  const f = files(res.body)
  const decodedB = f.get(b.toString('hex'))
  assert.deepEqual(decodedB, { complete: 0, downloaded: 0, incomplete: 1 })
  assert.deepEqual(f.get(unknown.toString('hex')), { complete: 0, downloaded: 0, incomplete: 0 })
})

test('scrape reports name, seeders, leechers and completed downloads', async (t) => {
  const tracker = await startTracker(t)
  const h = id('named')
  await tracker.app.inject({ method: 'POST', url: '/add_torrent_info', payload: { info_hash: h.toString('hex'), name: 'debian.iso' } })
  await announce(tracker, { infoHash: h, peerId: id('s'), port: 6001, left: 0, event: 'completed' })
  await announce(tracker, { infoHash: h, peerId: id('l'), port: 6002, left: 9 })
  const entry = files((await get(tracker.url, `/scrape?info_hash=${encodeBytes(h)}`)).body).get(h.toString('hex'))
  assert.ok(entry !== undefined)
  assert.equal(entry.complete, 1)
  assert.equal(entry.incomplete, 1)
  assert.equal(entry.downloaded, 1)
  assert.equal(text(entry.name), 'debian.iso')
})

test('scrape failures: full scrape off by default, too many hashes, malformed hash', async (t) => {
  const tracker = await startTracker(t, { TRACKER_SCRAPE_MAX: '3' })
  const reason = async (q: string): Promise<string> => {
    const res = await get(tracker.url, `/scrape${q}`)
    assert.equal(res.status, 200)
    return text(decode(res.body)['failure reason'])
  }
  assert.match(await reason(''), /full scrape is disabled/)
  const four = [1, 2, 3, 4].map(() => `info_hash=${encodeBytes(id('h'))}`).join('&')
  assert.match(await reason(`?${four}`), /too many info_hash values \(at most 3\)/)
  assert.match(await reason('?info_hash=short'), /info_hash must be 20 bytes/)
})

test('full scrape lists every torrent when turned on', async (t) => {
  const tracker = await startTracker(t, { TRACKER_FULL_SCRAPE: 'true' })
  const a = id('a')
  const b = id('b')
  await announce(tracker, { infoHash: a, peerId: id('p'), port: 6001 })
  await announce(tracker, { infoHash: b, peerId: id('p'), port: 6001 })
  const f = files((await get(tracker.url, '/scrape')).body)
  assert.equal(f.size, 2)
})
