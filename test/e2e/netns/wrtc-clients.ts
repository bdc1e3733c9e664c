// bittorrent-tracker's Client, in Node with a real WebRTC stack (@roamhq/wrtc), against our
// ws:// tracker and against bittorrent-tracker's own server: two clients announce, the tracker
// relays the offers and answers, the peers connect over WebRTC and exchange a message, then one
// scrapes. In a network namespace of its own, like the browser test (test/helpers/netns.ts).
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import wrtc from '@roamhq/wrtc'
import Client, { Server, type ScrapeEvent, type UpdateEvent, type WebRtcPeer } from 'bittorrent-tracker'
import { buildApp } from '../../../app.ts'
import { NETNS_HOST as HOST, report, setUpNamespaceNetwork } from '../../helpers/netns.ts'

setUpNamespaceNetwork()

export interface Meeting {
  /** Per client: its first announce reply, the messages it received over WebRTC, errors. */
  clients: Array<{ update: [number, number], received: string[], problems: string[] }>
  ms: number
  scrape: [number, number, number] | null
}

async function meet (announce: string): Promise<Meeting> {
  const infoHash = randomBytes(20).toString('hex')
  const started = Date.now()
  const clients = ['-WR0001-alice', '-WR0001-bob'].map(id => {
    // No STUN server: none is reachable from the namespace, and host candidates are enough.
    const client = new Client({ infoHash, peerId: Buffer.from(id.padEnd(20, '-')), announce: [announce], port: 6881, wrtc, rtcConfig: { iceServers: [] }, getAnnounceOpts: () => ({ left: 10 }) })
    const state = { client, update: [0, 0] as [number, number], received: [] as string[], problems: [] as string[] }
    client.on('warning', (err: Error) => state.problems.push(`warning: ${err.message}`))
    client.on('error', (err: Error) => state.problems.push(`error: ${err.message}`))
    return state
  })
  const talked = clients.map(async (state, i) => await new Promise<void>(resolve => {
    state.client.on('peer', (peer: WebRtcPeer) => {
      peer.on('connect', () => { peer.send(`hello from client ${i}`) })
      peer.on('data', (data: Uint8Array) => {
        state.received.push(Buffer.from(data).toString())
        resolve()
      })
      peer.on('error', () => {}) // the peers of a meeting that did not last
    })
  }))
  for (const state of clients) {
    const updated = once(state.client, 'update') as Promise<[UpdateEvent]>
    state.client.start()
    const [update] = await updated
    state.update = [update.complete, update.incomplete]
  }
  const timeout = new Promise<'timeout'>(resolve => setTimeout(() => resolve('timeout'), 30_000).unref())
  const outcome = await Promise.race([Promise.all(talked), timeout])
  const ms = Date.now() - started
  let scrape: Meeting['scrape'] = null
  if (outcome !== 'timeout') {
    const scraped = once(clients[0].client, 'scrape') as Promise<[ScrapeEvent]>
    clients[0].client.scrape()
    const [s] = await scraped
    scrape = [s.complete, s.incomplete, s.downloaded]
  }
  for (const { client } of clients) client.destroy()
  return { clients: clients.map(({ update, received, problems }) => ({ update, received, problems })), ms, scrape }
}

const dir = mkdtempSync(join(tmpdir(), 'tracker-wrtc-'))
const tracker = await buildApp({ logger: false, env: { TRACKER_DATA_FILE: join(dir, 'state.json'), TRACKER_SAVE_INTERVAL: '0' } })
await tracker.listen({ port: 6969, host: HOST })
const reference = new Server({ http: false, udp: false, ws: true, stats: false })
await new Promise<void>(resolve => reference.listen(6970, { http: HOST, udp: HOST, udp6: '::1' }, resolve))
try {
  // Side by side: each meeting has its own torrent and tracker.
  const [ours, theirs] = await Promise.all([meet(`ws://${HOST}:6969/announce`), meet(`ws://${HOST}:6970`)])
  report({ ours, theirs })
} finally {
  await tracker.close()
  await new Promise<void>(resolve => reference.close(resolve))
  rmSync(dir, { recursive: true, force: true })
}
// The WebRTC stack keeps native handles that never let the event loop end.
process.exit(0)
