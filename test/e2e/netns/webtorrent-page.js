// Runs in the browser: one WebTorrent client per page, driven by the test through puppeteer.
import WebTorrent from './webtorrent.min.js'

// Without this, create-torrent would add WebTorrent's public trackers to every seeded torrent.
globalThis.WEBTORRENT_ANNOUNCE = []
// No STUN server: none is reachable from the test's namespace, and host candidates are enough.
const client = new WebTorrent({ tracker: { rtcConfig: { iceServers: [] } } })

async function sha256Hex (data) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data))
  return Array.from(digest, b => b.toString(16).padStart(2, '0')).join('')
}

/** Seeds `size` random bytes announced to `tracker` only; resolves once the tracker was told. */
globalThis.seedRandom = async (size, tracker) => {
  const bytes = new Uint8Array(size)
  // getRandomValues fills at most 65,536 bytes per call.
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536))
  let torrent
  const seeding = new Promise((resolve, reject) => {
    client.once('error', reject)
    torrent = client.seed(new File([bytes], 'random.bin'), { announce: [tracker] }, resolve)
  })
  // Listening from the start: the tracker's answer may come before the seed callback.
  const announced = new Promise(resolve => {
    torrent.once('trackerAnnounce', () => resolve(true))
    setTimeout(() => resolve(false), 10_000)
  })
  await seeding
  return { magnetURI: torrent.magnetURI, infoHash: torrent.infoHash, sha256: await sha256Hex(bytes), announced: await announced }
}

/** Adds a magnet link and waits up to `waitMs` for the whole file; reports what arrived either way. */
globalThis.download = async (magnetURI, waitMs) => {
  const started = performance.now()
  const torrent = client.add(magnetURI)
  const done = await new Promise(resolve => {
    torrent.once('done', () => resolve(true))
    torrent.once('error', () => resolve(false))
    setTimeout(() => resolve(false), waitMs)
  })
  const result = { done, ms: Math.round(performance.now() - started), downloaded: torrent.downloaded, peers: torrent.numPeers, trackers: torrent.announce }
  if (!done) return result
  const data = await torrent.files[0].arrayBuffer()
  return { ...result, length: data.byteLength, sha256: await sha256Hex(data) }
}

globalThis.pageReady = true
