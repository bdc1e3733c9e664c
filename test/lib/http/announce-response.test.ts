import assert from 'node:assert/strict'
import { randomBytes, randomInt } from 'node:crypto'
import { test } from 'node:test'
import bencode from 'bencode'
import { writeCompactAnnounce, writeDictionaryAnnounce, writeFailure } from '../../../lib/http/announce-response.ts'
import { writeScrape } from '../../../lib/http/scrape-response.ts'
import type { AnnounceResult } from '../../../lib/store/peer-store.ts'

function result (v4: number, v6: number): AnnounceResult {
  return {
    complete: randomInt(1e6),
    incomplete: randomInt(1e6),
    downloaded: randomInt(1e9),
    peers: randomBytes(v4 * 6),
    peers6: randomBytes(v6 * 18),
    peerIds: Array.from({ length: v4 + v6 }, () => randomBytes(20))
  }
}

test('the hand-written compact writer is byte for byte what bencode produces', () => {
  for (const [v4, v6] of [[0, 0], [1, 0], [50, 0], [0, 3], [17, 9], [200, 66]]) {
    const r = result(v4, v6)
    const t = { interval: 900 + v4, minInterval: 300 }
    const expected: Record<string, unknown> = {
      complete: r.complete,
      downloaded: r.downloaded,
      incomplete: r.incomplete,
      interval: t.interval,
      'min interval': t.minInterval,
      peers: r.peers
    }
    if (v6 > 0) expected.peers6 = r.peers6
    assert.deepEqual(writeCompactAnnounce(r, t), Buffer.from(bencode.encode(expected)), `${v4} IPv4, ${v6} IPv6 peers`)
  }
})

test('the dictionary model carries ip, port and peer id for each family', () => {
  const r: AnnounceResult = {
    complete: 1,
    incomplete: 1,
    downloaded: 0,
    peers: Buffer.from([10, 0, 0, 1, 0x1a, 0xe1]),
    peers6: Buffer.from('20010db8000000000000000000000001' + '1ae2', 'hex'),
    peerIds: [Buffer.alloc(20, 1), Buffer.alloc(20, 2)]
  }
  const d = bencode.decode(writeDictionaryAnnounce(r, { interval: 900, minInterval: 300 }, false))
  const peers = d.peers as Array<{ ip: Uint8Array, port: number, 'peer id': Uint8Array }>
  assert.deepEqual(peers.map(p => `${Buffer.from(p.ip).toString()}:${p.port}`), ['10.0.0.1:6881', '2001:db8::1:6882'])
  assert.deepEqual(peers.map(p => Buffer.from(p['peer id'])), r.peerIds)
})

test('a failure is a bencoded failure reason', () => {
  assert.equal(writeFailure('missing info_hash').toString(), 'd14:failure reason17:missing info_hashe')
})

test('scrape files are sorted by raw key bytes and keep every byte of the hash', () => {
  const hashes = [Buffer.alloc(20, 0xff), Buffer.alloc(20, 0x00), Buffer.from('80'.repeat(20), 'hex')]
  const entries = [{ complete: 1, incomplete: 2, downloaded: 3 }, { complete: 0, incomplete: 0, downloaded: 0 }, { complete: 4, incomplete: 5, downloaded: 6, name: 'é' }]
  const body = writeScrape(hashes, entries)
  const expected = Buffer.concat([
    Buffer.from('d5:filesd20:'), hashes[1], Buffer.from('d8:completei0e10:downloadedi0e10:incompletei0ee'),
    Buffer.from('20:'), hashes[2], Buffer.from('d8:completei4e10:downloadedi6e10:incompletei5e4:name2:\u00e9e'),
    Buffer.from('20:'), hashes[0], Buffer.from('d8:completei1e10:downloadedi3e10:incompletei2ee'),
    Buffer.from('ee')
  ])
  assert.deepEqual(body, expected)
})
