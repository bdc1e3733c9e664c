import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { topByPeers } from '../../../lib/dashboard/top-torrents.ts'
import type { TorrentSummary } from '../../../lib/store/peer-store.ts'

function summary (hex: string, complete: number, incomplete: number, name?: string): TorrentSummary {
  return { info_hash: hex, info: name === undefined ? {} : { name }, complete, incomplete, downloaded: complete * 2, uploaded: 0, downloaded_bytes: 0, aliases: [] }
}

test('the torrents with the most peers come first, with their name and counts', () => {
  const top = topByPeers([summary('aa', 1, 1), summary('bb', 5, 0, 'Big'), summary('cc', 0, 3), summary('dd', 0, 0)], 2)
  assert.deepEqual(top, [
    { infoHash: 'bb', name: 'Big', seeders: 5, leechers: 0, completed: 10 },
    { infoHash: 'cc', name: null, seeders: 0, leechers: 3, completed: 0 }
  ])
  assert.deepEqual(topByPeers([summary('aa', 1, 1)], 0), [])
})

test('torrents with as many peers are listed by info hash, whatever order they came in', () => {
  const top = topByPeers([summary('cc', 1, 1), summary('ee', 0, 1), summary('bb', 2, 0), summary('dd', 0, 3), summary('aa', 0, 2)], 4)
  assert.deepEqual(top.map(t => t.infoHash), ['dd', 'aa', 'bb', 'cc'])
})

test('the selection equals sorting everything and taking the first n', () => {
  fc.assert(fc.property(
    // Hashes in random order, so ties reach the selection in every order.
    fc.uniqueArray(fc.record({ hash: fc.nat(0xffff), seeders: fc.nat(5), leechers: fc.nat(5) }), { maxLength: 60, selector: r => r.hash }),
    fc.integer({ min: 1, max: 12 }),
    (rows, n) => {
      const torrents = rows.map(r => summary(r.hash.toString(16).padStart(4, '0'), r.seeders, r.leechers))
      const expected = [...torrents]
        .sort((a, b) => (b.complete + b.incomplete) - (a.complete + a.incomplete) || (a.info_hash < b.info_hash ? -1 : 1))
        .slice(0, n)
        .map(t => t.info_hash)
      assert.deepEqual(topByPeers(torrents, n).map(t => t.infoHash), expected)
    }
  ))
})
