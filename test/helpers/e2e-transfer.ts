import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { makeFixture, sha256File, startAria2, type TorrentFixture } from './aria2.ts'
import { freePort } from './free-port.ts'
import { spawnTracker, type TrackerProcess } from './tracker-process.ts'
import { decode, encodeBytes, get } from './tracker.ts'
import { udpScrape } from './udp-scrape.ts'

export type Transport = 'http' | 'udp'

interface Setup {
  tracker: TrackerProcess
  announceUrl: string
  udpPort: number
}

/** The production entry point, `bin/tracker`, as a child process with its own state folder. */
async function startTrackerFor (t: TestContext, transport: Transport): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'tracker-e2e-state-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const udpPort = transport === 'udp' ? await freePort('udp') : 0
  const tracker = await spawnTracker(t, { TRACKER_DATA_FILE: join(dir, 'state.json'), TRACKER_SAVE_INTERVAL: '0', TRACKER_UDP_PORT: String(udpPort) })
  const announceUrl = transport === 'http' ? `${tracker.url}/announce` : `udp://127.0.0.1:${udpPort}/announce`
  return { tracker, announceUrl, udpPort }
}

interface Counts { complete: number, incomplete: number, downloaded: number }

async function httpScrape (url: string, infoHash: Buffer): Promise<Counts | null> {
  const res = await get(url, `/scrape?info_hash=${encodeBytes(infoHash)}`)
  const files = decode(res.body).files as Map<Uint8Array, Counts> | Record<string, Counts> | undefined
  if (files === undefined) return null
  const entries = files instanceof Map ? [...files.values()] : Object.values(files)
  return entries[0] ?? null
}

async function waitFor (check: () => Promise<boolean>, timeoutMs: number, explain: () => string): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(explain())
    await sleep(100)
  }
}

/**
 * A seeder and a leecher exchange the payload through the tracker; the leecher's copy must
 * match and the tracker must have counted the download. Returns the transfer time in seconds,
 * from the leecher's start to the tracker recording its completion.
 */
export async function transferThroughTracker (t: TestContext, transport: Transport): Promise<number> {
  const { tracker, announceUrl, udpPort } = await startTrackerFor(t, transport)
  const fixture = await makeFixture(t, announceUrl)
  const dht = transport === 'udp'
  const seeder = await startAria2(t, fixture, 'seeder', { dht })
  await waitFor(async () => (await httpScrape(tracker.url, fixture.infoHash))?.complete === 1, 30_000,
    () => `the seeder never announced:\n${seeder.output()}`)

  const started = performance.now()
  const leecher = await startAria2(t, fixture, 'leecher', { dht })
  await waitFor(async () => ((await httpScrape(tracker.url, fixture.infoHash))?.downloaded ?? 0) >= 1, 60_000,
    () => `the tracker never saw the download complete:\nleecher:\n${leecher.output()}\nseeder:\n${seeder.output()}`)
  const seconds = (performance.now() - started) / 1000

  assert.equal(await leecher.exited, 0, `aria2 leecher failed:\n${leecher.output()}`)
  assert.equal(await sha256File(join(fixture.leechDir, fixture.name)), fixture.sha256, 'the downloaded file matches')
  const counts = transport === 'udp'
    ? await udpScrape(udpPort, fixture.infoHash).then(s => ({ complete: s.seeders, incomplete: s.leechers, downloaded: s.completed }))
    : await httpScrape(tracker.url, fixture.infoHash)
  assert.deepEqual(counts, { complete: 1, incomplete: 0, downloaded: 1 }, `${transport} scrape shows the seeder and the completed download`)
  report(t, transport, fixture, seconds)
  return seconds
}

/**
 * The same two clients with no tracker at their announce URL, started beside a transfer through
 * a running tracker: the leecher must not get the file, though both clients run three times as
 * long as that transfer took (at least 5 s), so the control holds on a slow machine as on a fast
 * one.
 */
export async function noTransferWithoutTracker (t: TestContext, transport: Transport, transfer: Promise<number | null>): Promise<void> {
  // A loopback port where nothing listens, as a stopped tracker leaves it.
  const announceUrl = `${transport}://127.0.0.1:${await freePort(transport === 'http' ? 'tcp' : 'udp')}/announce`
  const fixture = await makeFixture(t, announceUrl)
  const dht = transport === 'udp'
  const seeder = await startAria2(t, fixture, 'seeder', { dht })
  const started = performance.now()
  const leecher = await startAria2(t, fixture, 'leecher', { dht })
  const seconds = await transfer
  assert.ok(seconds !== null, 'the transfer through a running tracker failed, so this control proves nothing')
  const waitMs = Math.max(5_000, 3_000 * seconds)
  await sleep(waitMs - (performance.now() - started))
  assert.ok(seeder.running(), `the seeder kept running:\n${seeder.output()}`)
  assert.ok(leecher.running(), `the leecher kept running:\n${leecher.output()}`)
  assert.notEqual(await sha256File(join(fixture.leechDir, fixture.name)), fixture.sha256, 'no complete copy without the tracker')
  t.diagnostic(`${transport}, no tracker: no transfer in ${(waitMs / 1000).toFixed(1)} s, 3 times the transfer with it`)
}

/** The transfer and its negative control, run side by side in one file. */
export function transferAndControl (transport: Transport, tests: { transfer: string, control: string }): void {
  describe(`aria2 over ${transport}://`, { concurrency: true }, () => {
    let transferred: (seconds: Promise<number | null>) => void = () => {}
    const transfer = new Promise<number | null>(resolve => { transferred = resolve })
    test(tests.transfer, { timeout: 90_000 }, async (t) => {
      const seconds = transferThroughTracker(t, transport)
      transferred(seconds.catch(() => null))
      await seconds
    })
    test(tests.control, { timeout: 90_000 }, async (t) => {
      await noTransferWithoutTracker(t, transport, transfer)
    })
  })
}

function report (t: TestContext, transport: Transport, fixture: TorrentFixture, seconds: number): void {
  t.diagnostic(`transfer time, ${transport}: ${fixture.size / 1024 / 1024} MiB in ${seconds.toFixed(2)} s`)
}
