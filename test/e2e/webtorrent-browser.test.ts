import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { chromiumMissing } from '../helpers/chromium.ts'
import { notRoot, runInNamespace } from '../helpers/netns.ts'

const scenario = join(import.meta.dirname, 'netns/webtorrent-browsers.ts')

interface Seeded { magnetURI: string, sha256: string, announced: boolean }
interface Downloaded { done: boolean, ms: number, downloaded: number, peers: number, trackers: string[], length?: number, sha256?: string }
interface Outcome {
  seeded: Seeded
  downloaded: Downloaded
  stats: { totals: { torrents: number, peers: number, seeders: number }, websocket: { connections: number, peers: number } }
  control: Seeded
  controlDownload: Downloaded
  problems: string[]
}

test('two Chromium pages running WebTorrent exchange 1 MiB over WebRTC, having met only through our ws:// tracker', { skip: chromiumMissing || notRoot, timeout: 150_000 }, async (t) => {
  const outcome = await runInNamespace<Outcome>(scenario)
  const { seeded, downloaded, control, controlDownload } = outcome
  t.diagnostic(`1 MiB downloaded in ${downloaded.ms} ms`)

  assert.ok(seeded.announced, 'the seeding page got an answer from the tracker')
  assert.deepEqual(downloaded.trackers, ['ws://100.64.0.1:6969/announce'], 'the magnet link named our tracker and nothing else')
  assert.ok(downloaded.done, `the download finished: ${JSON.stringify(downloaded)}`)
  assert.equal(downloaded.length, 1024 * 1024)
  assert.equal(downloaded.sha256, seeded.sha256)
  assert.equal(outcome.stats.websocket.peers, 2, 'the tracker counted both browsers')
  assert.deepEqual(outcome.problems, [], 'no console error, page error or failed request on either page')

  // The control: the same pages and files, with the tracker stopped once the seeder announced.
  assert.ok(control.announced)
  assert.deepEqual([controlDownload.done, controlDownload.downloaded, controlDownload.peers], [false, 0, 0], 'without the tracker nothing arrives')
  t.diagnostic(`with the tracker stopped: nothing in ${controlDownload.ms} ms`)
})
