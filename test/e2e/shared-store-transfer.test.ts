import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { makeFixture, sha256File, startAria2 } from '../helpers/aria2.ts'
import { TEST_TIMEOUT_ENV, redisMissing, startRedis } from '../helpers/redis.ts'
import { spawnTracker } from '../helpers/tracker-process.ts'
import { decode, encodeBytes, get } from '../helpers/tracker.ts'

/** Real clients (aria2c) that only meet through two tracker processes sharing one Redis. */
describe('aria2 through two tracker processes on one Redis', { skip: redisMissing }, async () => {
  const server = await startRedis()
  after(async () => { await server.stop() })

  test('a seeder announcing to A and a leecher announcing to B exchange the file', { timeout: 90_000 }, async (t) => {
    const env = { ...TEST_TIMEOUT_ENV, TRACKER_STORE: 'redis', TRACKER_REDIS_URL: server.url, TRACKER_REDIS_PREFIX: `e${randomBytes(4).toString('hex')}:`, TRACKER_SAVE_INTERVAL: '0', TRACKER_UDP_PORT: '0' }
    const a = await spawnTracker(t, env)
    const b = await spawnTracker(t, env)
    const fixture = await makeFixture(t, `${a.url}/announce`)
    const scrape = async (url: string): Promise<Record<string, number> | undefined> => {
      const files = decode((await get(url, `/scrape?info_hash=${encodeBytes(fixture.infoHash)}`)).body).files as Map<Uint8Array, Record<string, number>> | Record<string, Record<string, number>>
      return (files instanceof Map ? [...files.values()] : Object.values(files))[0]
    }
    const seeder = await startAria2(t, fixture, 'seeder', { dht: false, tracker: `${a.url}/announce` })
    for (let i = 0; i < 300 && (await scrape(b.url))?.complete !== 1; i++) await sleep(100)
    assert.equal((await scrape(b.url))?.complete, 1, `B sees the seeder that announced to A:\n${seeder.output()}`)
    const leecher = await startAria2(t, fixture, 'leecher', { dht: false, tracker: `${b.url}/announce` })
    assert.equal(await leecher.exited, 0, `aria2 leecher failed:\n${leecher.output()}`)
    assert.equal(await sha256File(join(fixture.leechDir, fixture.name)), fixture.sha256, 'the downloaded file matches')
    for (let i = 0; i < 100 && (await scrape(a.url))?.downloaded !== 1; i++) await sleep(100)
    assert.deepEqual(await scrape(a.url), { complete: 1, incomplete: 0, downloaded: 1 }, 'A counted the download the leecher reported to B')
  })
})
