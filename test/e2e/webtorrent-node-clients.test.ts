import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { notRoot, runInNamespace } from '../helpers/netns.ts'
import type { Meeting } from './netns/wrtc-clients.ts'

test('bittorrent-tracker\'s Client with a real WebRTC stack: two peers meet through our ws:// tracker, as through bittorrent-tracker\'s server', { skip: notRoot, timeout: 150_000 }, async (t) => {
  const { ours, theirs } = await runInNamespace<{ ours: Meeting, theirs: Meeting }>(join(import.meta.dirname, 'netns/wrtc-clients.ts'))
  t.diagnostic(`connected and talked after ${ours.ms} ms (bittorrent-tracker's server: ${theirs.ms} ms)`)
  const expected: Omit<Meeting, 'ms'> = {
    // The first announce finds the swarm empty, the second finds the first client.
    clients: [
      { update: [0, 1], received: ['hello from client 1'], problems: [] },
      { update: [0, 2], received: ['hello from client 0'], problems: [] }
    ],
    // Offer relayed, answer relayed, WebRTC connected both ways; then the scrape counts both.
    scrape: [0, 2, 0]
  }
  assert.deepEqual({ clients: theirs.clients, scrape: theirs.scrape }, expected, 'the reference server behaves as this test expects')
  assert.deepEqual({ clients: ours.clients, scrape: ours.scrape }, expected)
})
