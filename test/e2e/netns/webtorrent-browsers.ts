// Two WebTorrent browser pages exchange a file through our ws:// tracker, inside a network
// namespace of their own: Chromium gathers no WebRTC candidate on loopback alone, so the
// namespace gets a veth pair with test addresses and a default route, and nothing it sends can
// leave it. Run as root under `unshare -n` (test/e2e/webtorrent-browser.test.ts does); prints one
// `RESULT <json>` line.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'puppeteer-core'
import { buildApp } from '../../../app.ts'
import { launchChromium, pageProblems } from '../../helpers/chromium.ts'
import { NETNS_HOST as HOST, report, setUpNamespaceNetwork } from '../../helpers/netns.ts'

const TRACKER_PORT = 6969
const PAGE_PORT = 8080
const FILE_SIZE = 1024 * 1024

setUpNamespaceNetwork()

const here = import.meta.dirname
const files: Record<string, [string, string]> = {
  '/': [join(here, 'page.html'), 'text/html'],
  '/webtorrent-page.js': [join(here, 'webtorrent-page.js'), 'text/javascript'],
  '/webtorrent.min.js': [join(here, '../../../node_modules/webtorrent/dist/webtorrent.min.js'), 'text/javascript']
}
const pages = createServer((req, res) => {
  const file = files[req.url ?? '']
  if (file === undefined) {
    res.writeHead(404).end()
    return
  }
  res.writeHead(200, { 'content-type': file[1] }).end(readFileSync(file[0]))
})
pages.listen(PAGE_PORT, HOST)
await once(pages, 'listening')

const dir = mkdtempSync(join(tmpdir(), 'tracker-browser-'))
const tracker = await buildApp({ logger: false, env: { TRACKER_DATA_FILE: join(dir, 'state.json'), TRACKER_SAVE_INTERVAL: '0' } })
await tracker.listen({ port: TRACKER_PORT, host: HOST })
const trackerUrl = `ws://${HOST}:${TRACKER_PORT}/announce`

// WebTorrent hashes with crypto.subtle, which only a secure context has.
const browser = await launchChromium(['--disable-features=WebRtcHideLocalIpsWithMdns', `--unsafely-treat-insecure-origin-as-secure=http://${HOST}:${PAGE_PORT}`])
const problems: string[] = []
async function peerPage (): Promise<Page> {
  const page = await browser.newPage()
  const seen = pageProblems(page)
  page.on('close', () => problems.push(...seen))
  await page.goto(`http://${HOST}:${PAGE_PORT}/`)
  await page.waitForFunction('globalThis.pageReady === true')
  return page
}

interface Seeded { magnetURI: string, infoHash: string, sha256: string, announced: boolean }
interface Downloaded { done: boolean, ms: number, downloaded: number, peers: number, trackers: string[], length?: number, sha256?: string }

try {
  // The transfer: A seeds, B has only the magnet link, whose one tracker is ours.
  const [seeder, leecher] = [await peerPage(), await peerPage()]
  const seeded = await seeder.evaluate(`seedRandom(${FILE_SIZE}, ${JSON.stringify(trackerUrl)})`) as Seeded
  const downloaded = await leecher.evaluate(`download(${JSON.stringify(seeded.magnetURI)}, 60000)`) as Downloaded
  const stats = await tracker.inject({ method: 'GET', url: '/stats' })

  // The control: C seeds and is announced, then the tracker stops; D must find nobody in three
  // times as long as the transfer took (at least 5 s).
  const [lonelySeeder, stranded] = [await peerPage(), await peerPage()]
  const control = await lonelySeeder.evaluate(`seedRandom(${FILE_SIZE}, ${JSON.stringify(trackerUrl)})`) as Seeded
  await tracker.close()
  const controlMs = Math.max(5000, 3 * downloaded.ms)
  const controlDownload = await stranded.evaluate(`download(${JSON.stringify(control.magnetURI)}, ${controlMs})`) as Downloaded

  for (const page of [seeder, leecher]) await page.close()
  report({ seeded, downloaded, stats: stats.json(), control, controlDownload, problems })
} finally {
  await browser.close()
  await tracker.close()
  pages.close()
  rmSync(dir, { recursive: true, force: true })
}
