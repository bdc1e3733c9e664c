import assert from 'node:assert/strict'
import { test } from 'node:test'
import { withExtraPeers, type PeerCounts } from '../../../lib/store/extra-peers.ts'
import type { ScrapeEntry } from '../../../lib/store/peer-store.ts'

test('a front end\'s own peers are added to each torrent\'s scrape counts, entry by entry', () => {
  const entries: ScrapeEntry[] = [
    { complete: 1, incomplete: 2, downloaded: 3, name: 'one' },
    { complete: 0, incomplete: 0, downloaded: 0 },
    { complete: 5, incomplete: 0, downloaded: 9 },
    { complete: 2, incomplete: 2, downloaded: 1 }
  ]
  // Equal seeders and leechers (2 and 2) must still count: only no extra peer at all leaves an entry as it is.
  const own: PeerCounts[] = [{ complete: 2, incomplete: 2 }, { complete: 0, incomplete: 1 }, { complete: 0, incomplete: 0 }, { complete: 3, incomplete: 0 }]
  const result = withExtraPeers(entries, own)
  assert.deepEqual(result, [
    { complete: 3, incomplete: 4, downloaded: 3, name: 'one' },
    { complete: 0, incomplete: 1, downloaded: 0 },
    { complete: 5, incomplete: 0, downloaded: 9 },
    { complete: 5, incomplete: 2, downloaded: 1 }
  ])
  assert.deepEqual(entries[0], { complete: 1, incomplete: 2, downloaded: 3, name: 'one' }, 'the store\'s entries are left untouched')
})
