import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test, type TestContext } from 'node:test'
import type { Browser, Page } from 'puppeteer-core'
import { chromiumMissing, launchChromium, pageProblems } from '../helpers/chromium.ts'
import { announce, get, id, type RunningTracker, startTracker } from '../helpers/tracker.ts'
import { UdpTestClient } from '../helpers/udp.ts'

/** Screenshots for a person to look at; gitignored. */
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts')
const TOKEN = 'dashboard-test-token-0123456789'
/** The HTTP series' colour in dashboard/app.js: its pixels prove the line was drawn. */
const HTTP_RGB = [0x2f, 0x7e, 0xd8]
const SEEDERS_RGB = [0x19, 0xa9, 0x79]

interface Stats {
  totals: { torrents: number, peers: number, seeders: number, leechers: number }
  requests: { http: { announce: number }, udp: { announce: number }, ws: { announce: number } }
}

/** Announces from real sockets: three torrents over HTTP (one named), one over UDP, one refusal. */
async function feed (tracker: RunningTracker, t: TestContext, headers: Record<string, string> = {}): Promise<void> {
  const named = Buffer.from('d1'.repeat(20), 'hex')
  const registered = await fetch(`${tracker.url}/add_torrent_info`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ info_hash: named.toString('hex'), name: 'Debian 12 netinst <amd64>' })
  })
  assert.equal(registered.status, 200)
  for (let i = 0; i < 3; i++) await announce(tracker, { infoHash: named, peerId: id('nd'), port: 7000 + i, left: i === 0 ? 100 : 0 })
  const other = id('other-torrent')
  for (let i = 0; i < 2; i++) await announce(tracker, { infoHash: other, peerId: id('ot'), port: 7100 + i })
  const refused = await get(tracker.url, '/announce?info_hash=xx')
  assert.match(refused.body.toString(), /failure reason/)
  const udp = await UdpTestClient.open(t, '127.0.0.1', (await tracker.app.udpAddress())?.port ?? 0)
  await udp.announce({ infoHash: id('udp-torrent'), peerId: id('up'), port: 7200, left: 100n })
}

async function statsOf (tracker: RunningTracker, headers: Record<string, string> = {}): Promise<Stats> {
  const res = await get(tracker.url, '/stats', { headers })
  assert.equal(res.status, 200)
  return JSON.parse(res.body.toString()) as Stats
}

/** The number a figure shows, whatever the locale's separators. */
async function figure (page: Page, name: string): Promise<number> {
  const text = await page.$eval(`[data-figure="${name}"]`, el => el.textContent ?? '')
  assert.match(text, /^[\d,.\s\u00a0\u202f]+$/, `${name} shows "${text}"`)
  return Number(text.replace(/\D/g, ''))
}

/** Waits until the page has rendered data `times` more times (the footer's time changes). */
async function refreshes (page: Page, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    const before = await page.$eval('#updated', el => el.textContent)
    await page.waitForFunction((b) => document.getElementById('updated')?.textContent !== b, { timeout: 10_000 }, before)
  }
}

/** How many pixels of a chart's canvas are (within anti-aliasing) the given colour. */
async function pixelsOf (page: Page, chart: string, rgb: number[]): Promise<number> {
  return await page.$eval(`#${chart} canvas`, (canvas, [r, g, b]) => {
    const c = canvas as HTMLCanvasElement
    if (c.width === 0 || c.height === 0) return 0
    const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data
    if (data === undefined) return 0
    let n = 0
    for (let i = 0; i < data.length; i += 4) {
      if (Math.abs(data[i] - r) < 12 && Math.abs(data[i + 1] - g) < 12 && Math.abs(data[i + 2] - b) < 12 && data[i + 3] > 200) n++
    }
    return n
  }, rgb)
}

async function compareWithStats (page: Page, stats: Stats): Promise<void> {
  assert.equal(await figure(page, 'torrents'), stats.totals.torrents)
  assert.equal(await figure(page, 'peers'), stats.totals.peers)
  assert.equal(await figure(page, 'seeders'), stats.totals.seeders)
  assert.equal(await figure(page, 'leechers'), stats.totals.leechers)
  const r = stats.requests
  assert.equal(await figure(page, 'announces'), r.http.announce + r.udp.announce + r.ws.announce)
  assert.equal(await figure(page, 'httpAnnounces'), r.http.announce)
  assert.equal(await figure(page, 'udpAnnounces'), r.udp.announce)
}

// One browser for both tests: starting chromium takes a few seconds on a loaded machine.
describe('the dashboard in chromium', { skip: chromiumMissing }, () => {
  let browser: Browser
  before(async () => { browser = await launchChromium() })
  after(async () => { await browser?.close() })

  test('the dashboard shows what /stats says, draws its charts, and fits a phone in dark mode', { timeout: 60_000 }, async (t) => {
    mkdirSync(ARTIFACTS, { recursive: true })
    const tracker = await startTracker(t, {}, '127.0.0.1', { dashboardSampleMs: 1000 })
    await feed(tracker, t)

    const page = await browser.newPage()
    const problems = pageProblems(page)
    await page.setViewport({ width: 1280, height: 900 })
    await page.goto(`${tracker.url}/dashboard`, { waitUntil: 'load' })
    await page.waitForSelector('#figures:not([hidden])', { timeout: 10_000 })
    // Two more renders: the second sample has a rate to draw.
    await refreshes(page, 2)
    const stats = await statsOf(tracker)
    assert.deepEqual([stats.totals.torrents, stats.totals.peers, stats.requests.http.announce, stats.requests.udp.announce], [3, 6, 6, 1])
    await compareWithStats(page, stats)

    const rows = await page.$$eval('#top tbody tr', trs => trs.map(tr => [...tr.cells].map(c => c.textContent ?? '')))
    assert.equal(rows.length, 3)
    assert.match(rows[0][0], /^Debian 12 netinst <amd64>d1d1/, 'the named torrent first, its name as text')
    assert.deepEqual(rows[0].slice(1), ['2', '1', '0'])
    const reasons = await page.$$eval('#reasons tbody tr', trs => trs.map(tr => tr.cells[0].textContent))
    assert.ok(reasons.includes('info_hash must be 20 bytes, got 2'), `failure reasons: ${reasons.join(' | ')}`)

    const sizes = await page.$$eval('.plot canvas', cs => cs.map(c => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]))
    assert.equal(sizes.length, 6, 'six charts')
    for (const [w, h] of sizes) assert.ok(w > 100 && h > 100, `a chart of ${w}x${h}`)
    assert.ok(await pixelsOf(page, 'chart-announces', HTTP_RGB) > 20, 'the HTTP announce series is drawn')
    assert.ok(await pixelsOf(page, 'chart-peers', SEEDERS_RGB) > 20, 'the seeders series is drawn')

    // Figures refreshing must not move anything on the page.
    await page.evaluate(() => {
      const w = window as unknown as { shifts: number }
      w.shifts = 0
      new PerformanceObserver(list => {
        for (const e of list.getEntries()) w.shifts += (e as unknown as { value: number }).value
      }).observe({ type: 'layout-shift' })
    })
    await refreshes(page, 2)
    assert.equal(await page.evaluate(() => (window as unknown as { shifts: number }).shifts), 0, 'layout shift while refreshing')
    const text = await page.$eval('body', b => b.innerText)
    assert.doesNotMatch(text, /127\.0\.0\.1|:7000|:7200/, 'no peer address on the page')
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-desktop.png'), fullPage: true })
    // Closed, or it keeps fetching and drawing beside the phone.
    await page.close()

    // A phone, a dark-mode browser, and JavaScript four times slower.
    const phone = await browser.newPage()
    const phoneProblems = pageProblems(phone)
    await phone.setViewport({ width: 375, height: 740, isMobile: true, hasTouch: true, deviceScaleFactor: 2 })
    await phone.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }])
    await phone.emulateCPUThrottling(4)
    await phone.goto(`${tracker.url}/dashboard`, { waitUntil: 'load' })
    await phone.waitForSelector('#figures:not([hidden])', { timeout: 15_000 })
    await compareWithStats(phone, await statsOf(tracker))
    const fit = await phone.evaluate(() => ({ page: document.documentElement.scrollWidth, view: window.innerWidth, background: getComputedStyle(document.body).backgroundColor }))
    assert.ok(fit.page <= fit.view, `the page is ${fit.page} px wide on a ${fit.view} px screen`)
    const [r, g, b] = (fit.background.match(/\d+/g) ?? []).map(Number)
    assert.ok(r + g + b < 150, `a dark background in dark mode, got ${fit.background}`)
    await phone.screenshot({ path: join(ARTIFACTS, 'dashboard-phone-dark.png'), fullPage: true })
    // Closed too: chromium slows a page down by spinning on its CPU, as long as the page is open.
    await phone.close()

    assert.deepEqual(problems, [])
    assert.deepEqual(phoneProblems, [])
  })

  test('with TRACKER_STATS_PUBLIC=false and a token, the dashboard shows nothing until the token is given', { timeout: 60_000 }, async (t) => {
    const tracker = await startTracker(t, { TRACKER_STATS_PUBLIC: 'false', TRACKER_ADMIN_TOKEN: TOKEN }, '127.0.0.1', { dashboardSampleMs: 1000 })
    const auth = { authorization: `Bearer ${TOKEN}` }
    await feed(tracker, t, auth)
    const page = await browser.newPage()
    const problems = pageProblems(page)
    const requests: string[] = []
    const dataAnswers: number[] = []
    page.on('request', req => { requests.push(req.url()) })
    page.on('response', res => { if (new URL(res.url()).pathname === '/dashboard/data') dataAnswers.push(res.status()) })

    await page.goto(`${tracker.url}/dashboard`, { waitUntil: 'load' })
    await page.waitForSelector('#login:not([hidden])', { timeout: 10_000 })
    assert.deepEqual(dataAnswers, [401], 'the data was refused without the token')
    assert.equal(await page.$eval('#figures', el => (el as HTMLElement).hidden), true)
    const shown = await page.$$eval('[data-figure]', els => els.map(e => e.textContent).filter(s => /\d/.test(s ?? '')))
    assert.deepEqual(shown, [], 'no figure before the token')
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-token-prompt.png') })

    await page.type('#token', 'not-the-token')
    await page.click('#login button')
    await page.waitForSelector('#login-error:not([hidden])', { timeout: 10_000 })
    assert.equal(await page.$eval('#figures', el => (el as HTMLElement).hidden), true, 'a wrong token shows nothing')

    await page.type('#token', TOKEN)
    await page.click('#login button')
    await page.waitForSelector('#figures:not([hidden])', { timeout: 10_000 })
    await refreshes(page, 1)
    await compareWithStats(page, await statsOf(tracker, auth))
    assert.equal(await page.evaluate(() => sessionStorage.getItem('tracker-dashboard-token')), TOKEN, 'kept in session storage')
    assert.deepEqual(requests.filter(u => u.includes(TOKEN)), [], 'the token is never in a URL')
    assert.ok(dataAnswers.filter(s => s === 200).length >= 2, `data answers: ${dataAnswers.join(', ')}`)

    // A reload asks no more: the tab keeps the token.
    await page.reload({ waitUntil: 'load' })
    await page.waitForSelector('#figures:not([hidden])', { timeout: 10_000 })

    // The two refused data requests are the test's doing; nothing else may have gone wrong.
    const unexpected = problems.filter(p => !/401/.test(p))
    assert.deepEqual(unexpected, [])
    assert.equal(problems.filter(p => /401/.test(p) && !/dashboard\/data|Failed to load resource/.test(p)).length, 0, problems.join('\n'))
  })
})
