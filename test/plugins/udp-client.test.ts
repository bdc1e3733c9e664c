import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test, type TestContext } from 'node:test'
import { Client, type ScrapeEvent, type UpdateEvent } from 'bittorrent-tracker'
import { startUdpTracker } from '../helpers/udp.ts'

// A real tracker client (bittorrent-tracker@10) against our tracker, over both protocols.

const WAIT_MS = 5000

interface Peer {
  client: Client
  /** Announce options the client sends on every request; `left` is what decides seeding. */
  state: { left: number }
}

function peer (t: TestContext, announce: string, infoHash: string, port: number, left: number): Peer {
  const state = { left }
  const client = new Client({ infoHash, peerId: randomBytes(20), announce, port, getAnnounceOpts: () => ({ ...state }) })
  t.after(async () => { await new Promise(resolve => client.destroy(resolve)) })
  return { client, state }
}

/** Runs `act`, then resolves with the next `event`'s data and the peers the client was told about. */
async function after<E extends 'update' | 'scrape'> (
  { client }: Peer, event: E, act: () => void
): Promise<{ data: E extends 'update' ? UpdateEvent : ScrapeEvent, peers: string[] }> {
  const peers: string[] = []
  const onPeer = (address: string): void => { peers.push(address) }
  client.on('peer', onPeer)
  try {
    const data = await new Promise<UpdateEvent | ScrapeEvent>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${event} within ${WAIT_MS} ms`)), WAIT_MS)
      const done = (d: UpdateEvent | ScrapeEvent): void => { clearTimeout(timer); resolve(d) }
      const fail = (err: Error): void => { clearTimeout(timer); reject(err) }
      client.on(event as 'update', done)
      client.on('warning', fail)
      client.on('error', fail)
      act()
    })
    // The client reports peers right after the update, in the same turn.
    await new Promise(resolve => setImmediate(resolve))
    return { data: data as E extends 'update' ? UpdateEvent : ScrapeEvent, peers }
  } finally {
    client.off('peer', onPeer)
  }
}

for (const transport of ['udp', 'http'] as const) {
  test(`${transport}: two clients of one torrent learn each other's address and port, and scrape counts them`, { timeout: 30_000 }, async (t) => {
    const tracker = await startUdpTracker(t)
    const url = transport === 'udp' ? `udp://127.0.0.1:${tracker.udpPort}` : `${tracker.url}/announce`
    const infoHash = randomBytes(20).toString('hex')
    const leecher = peer(t, url, infoHash, 6881, 1000)
    const seeder = peer(t, url, infoHash, 6882, 0)

    const first = await after(leecher, 'update', () => leecher.client.start())
    assert.deepEqual(first.data.incomplete, 1)
    assert.deepEqual(first.peers, [])

    const second = await after(seeder, 'update', () => seeder.client.start())
    assert.deepEqual({ complete: second.data.complete, incomplete: second.data.incomplete }, { complete: 1, incomplete: 1 })
    assert.deepEqual(second.peers, ['127.0.0.1:6881'])

    const again = await after(leecher, 'update', () => leecher.client.update())
    assert.deepEqual(again.peers, ['127.0.0.1:6882'])

    leecher.state.left = 0
    await after(leecher, 'update', () => leecher.client.complete())
    const scrape = await after(seeder, 'scrape', () => seeder.client.scrape())
    // Over HTTP this client (bencode@4 turns a non-UTF-8 key into hex, and the client hex-encodes
    // that again) reports the hash doubly hex-encoded; what we sent was the raw 20 bytes.
    const reported = scrape.data.infoHash.length === 80 ? Buffer.from(scrape.data.infoHash, 'hex').toString() : scrape.data.infoHash
    assert.equal(reported, infoHash)
    assert.deepEqual({ complete: scrape.data.complete, incomplete: scrape.data.incomplete, downloaded: scrape.data.downloaded }, { complete: 2, incomplete: 0, downloaded: 1 })
  })
}

test('a UDP client and an HTTP client of one torrent learn each other', { timeout: 30_000 }, async (t) => {
  const tracker = await startUdpTracker(t)
  const infoHash = randomBytes(20).toString('hex')
  const overUdp = peer(t, `udp://127.0.0.1:${tracker.udpPort}`, infoHash, 6891, 500)
  const overHttp = peer(t, `${tracker.url}/announce`, infoHash, 6892, 500)

  await after(overUdp, 'update', () => overUdp.client.start())
  const fromHttp = await after(overHttp, 'update', () => overHttp.client.start())
  assert.deepEqual(fromHttp.peers, ['127.0.0.1:6891'])
  assert.equal(fromHttp.data.incomplete, 2)
  const fromUdp = await after(overUdp, 'update', () => overUdp.client.update())
  assert.deepEqual(fromUdp.peers, ['127.0.0.1:6892'])
})
