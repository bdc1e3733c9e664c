import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseTorrentFile } from '../../lib/torrent/torrent-file.ts'
import { encode } from '../helpers/torrent-fixtures.ts'

// A bound on time, kept out of test/lib: under Stryker every test of test/lib runs on
// instrumented code, many times slower, where no time bound holds. The size limit itself is
// tested in test/lib/torrent/torrent-fields.test.ts.

test('a large file of tiny values parses in bounded time', { timeout: 20_000 }, () => {
  const v1 = encode({ info: { name: 'x', 'piece length': 16384, pieces: Buffer.alloc(20, 7), length: 10 } })
  // 4 million empty lists under an unknown key: no tree is built, so this stays fast and small.
  const noise = Buffer.concat([Buffer.from('d5:noisel'), Buffer.alloc(8_000_000, 'le'), Buffer.from('e'), v1.subarray(1)])
  const started = Date.now()
  assert.equal(parseTorrentFile(noise).name, 'x')
  assert.ok(Date.now() - started < 5000)
})
