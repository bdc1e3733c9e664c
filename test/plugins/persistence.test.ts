import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, test, type TestContext } from 'node:test'
import { announce, collectedLogs, compactPeers, get, id, type RunningTracker, startTracker } from '../helpers/tracker.ts'
import { spawnTracker } from '../helpers/tracker-process.ts'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../app.ts'

const dirs: string[] = []
// Removed after every test's own clean-up, which may still save into them.
after(() => { for (const dir of dirs) rmSync(dir, { recursive: true, force: true }) })

function tempDir (): string {
  const dir = mkdtempSync(join(tmpdir(), 'tracker-state-'))
  dirs.push(dir)
  return dir
}

/** An in-process tracker, closed (with its final save) before its folder is removed. */
async function appIn (t: TestContext, env: Record<string, string>): Promise<FastifyInstance> {
  const app = await buildApp({ env, logger: false })
  t.after(async () => await app.close())
  return app
}

/** The announce helpers want a RunningTracker; a child process only needs its URL. */
const at = (url: string): RunningTracker => ({ url } as unknown as RunningTracker)

// The process-level stops (SIGTERM, SIGINT, POST /shutdown: a final save and status 0) are
// tested in test/bin/tracker-process.test.ts and test/routes/admin-refused.test.ts.
test('the save at a stop is what the next start finds: the same torrents, peers and completed counts', async (t) => {
  const dir = tempDir()
  const env = { TRACKER_DATA_FILE: join(dir, 'state.json'), TRACKER_SAVE_INTERVAL: '0' }
  const first = await startTracker(t, env)
  const infoHash = id('persist')
  await announce(first, { infoHash, peerId: id('s'), port: 6001, left: 0, event: 'completed', uploaded: 1234 })
  await announce(first, { infoHash, peerId: id('l'), port: 6002, left: 77 })
  await get(first.url, '/add_torrent_info') // not a POST: refused, changes nothing
  await first.app.close()
  assert.ok(existsSync(env.TRACKER_DATA_FILE))

  const second = await startTracker(t, env)
  const stats = JSON.parse((await get(second.url, `/stats?info_hash=${infoHash.toString('hex')}`)).body.toString())
  assert.equal(stats.totals.peers, 2)
  assert.deepEqual(stats.torrents[0], {
    info_hash: infoHash.toString('hex'), info: {}, complete: 1, incomplete: 1, downloaded: 1, uploaded: 1234, downloaded_bytes: 0, aliases: []
  })
  const viewer = await announce(second, { infoHash, peerId: id('v'), port: 6003 })
  assert.deepEqual(compactPeers(viewer.peers).sort(), ['127.0.0.1:6001', '127.0.0.1:6002'])
  // The restored seeder's completion was already counted: completing again does not count twice.
  const again = await announce(second, { infoHash, peerId: id('s'), port: 6001, left: 0, event: 'completed' })
  assert.equal(again.downloaded, 1)
  await second.app.close()
  const saved = JSON.parse(readFileSync(env.TRACKER_DATA_FILE, 'utf8'))
  assert.equal(saved.version, 1)
  const entry = saved.torrents[infoHash.toString('hex')]
  assert.equal(entry.stats.completed, 1)
  assert.equal(entry.peers_info.length, 3)
  for (const p of entry.peers_info) {
    assert.deepEqual(Object.keys(p).sort(), ['counted', 'downloaded', 'ip', 'key', 'last_seen', 'left', 'peer_id', 'port', 'uploaded'])
  }
})

test('peers older than the timeout are dropped while loading', async (t) => {
  const dir = tempDir()
  const file = join(dir, 'state.json')
  const now = Math.floor(Date.now() / 1000)
  const peer = (port: number, seen: number): object => ({ peer_id: id('p').toString('hex'), ip: '10.1.2.3', port, uploaded: 0, downloaded: 0, left: 5, last_seen: seen })
  writeFileSync(file, JSON.stringify({
    version: 1,
    torrents: { ['ab'.repeat(20)]: { info: { name: 'old.iso' }, peers_info: [peer(1, now - 10), peer(2, now - 5000)], stats: { completed: 4 } } }
  }))
  const app = await appIn(t, { TRACKER_DATA_FILE: file, TRACKER_SAVE_INTERVAL: '0' })
  const stats = (await app.inject({ url: '/stats' })).json()
  assert.equal(stats.totals.peers, 1)
  assert.equal(stats.totals.completed, 4)
  assert.equal(stats.torrents[0].info.name, 'old.iso')
})

test('torrent names beyond ASCII survive a save and a load', async (t) => {
  const file = join(tempDir(), 'state.json')
  const name = 'Été 日本語 ✓.iso'
  writeFileSync(file, JSON.stringify({ version: 1, torrents: { ['cd'.repeat(20)]: { info: { name }, peers_info: [], stats: { completed: 1 } } } }))
  const first = await buildApp({ env: { TRACKER_DATA_FILE: file, TRACKER_SAVE_INTERVAL: '0' }, logger: false })
  assert.equal((await first.inject({ url: '/stats' })).json().torrents[0].info.name, name)
  await first.close()
  const second = await appIn(t, { TRACKER_DATA_FILE: file, TRACKER_SAVE_INTERVAL: '0' })
  assert.equal((await second.inject({ url: '/stats' })).json().torrents[0].info.name, name)
})

test('a corrupt state file is moved aside, reported, and never overwritten', async (t) => {
  const dir = tempDir()
  const file = join(dir, 'state.json')
  const garbage = '{"torrents": {"abc": [1, 2'
  writeFileSync(file, garbage)
  const { lines: logs, logger } = collectedLogs()
  const tracker = await startTracker(t, { TRACKER_DATA_FILE: file }, '127.0.0.1', { logger })
  const aside = readdirSync(dir).filter(f => f.startsWith('state.json.corrupt-'))
  assert.equal(aside.length, 1)
  assert.equal(readFileSync(join(dir, aside[0]), 'utf8'), garbage)
  assert.ok(logs.some(l => l.level === 50 && /corrupt/.test(String(l.msg))), 'logged as an error')
  await announce(tracker, { infoHash: id('h'), peerId: id('p'), port: 6001 })
  await tracker.app.close()
  assert.equal(readFileSync(join(dir, aside[0]), 'utf8'), garbage, 'the kept copy is untouched')
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).version, 1, 'a fresh state file was written')
})

test('a state file that is not a state file (wrong shape) is kept aside too', async (t) => {
  for (const [what, make] of [
    ['JSON of the wrong shape', (f: string) => writeFileSync(f, '[1,2,3]')],
    ['a torrents entry that is not an object', (f: string) => writeFileSync(f, '{"torrents": 7}')]
  ] as const) {
    const dir = tempDir()
    const file = join(dir, 'state.json')
    make(file)
    const app = await buildApp({ env: { TRACKER_DATA_FILE: file, TRACKER_SAVE_INTERVAL: '0' }, logger: false })
    await app.close()
    assert.equal(readdirSync(dir).filter(f => f.startsWith('state.json.corrupt-')).length, 1, what)
  }
})

test('an unwritable location is reported at start, and /save_state says why it failed', async (t) => {
  const dir = tempDir()
  const file = join(dir, 'missing-folder', 'state.json')
  const tracker = await spawnTracker(t, { TRACKER_DATA_FILE: file, TRACKER_SAVE_INTERVAL: '0' })
  assert.ok(tracker.logs.some(l => l.level === 50 && /not writable/.test(String(l.msg))))
  const res = await get(tracker.url, '/save_state')
  assert.equal(res.status, 500)
  assert.match(JSON.parse(res.body.toString()).message, /state save failed: ENOENT/)
  tracker.child.kill('SIGTERM')
  assert.equal(await tracker.exited, 1, 'a failed final save is not a clean exit')
})

test('/save_state writes the file now and answers what it wrote; the periodic save runs by itself', async (t) => {
  const dir = tempDir()
  const file = join(dir, 'state.json')
  const app = await appIn(t, { TRACKER_DATA_FILE: file, TRACKER_SAVE_INTERVAL: '1' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  await announce(at(url), { infoHash: id('h'), peerId: id('p'), port: 6001 })
  const res = (await app.inject({ method: 'POST', url: '/save_state' })).json()
  assert.equal(res.saved, true)
  assert.equal(res.torrents, 1)
  assert.equal(res.peers, 1)
  assert.equal(res.bytes, readFileSync(file).length)
  rmSync(file)
  // The periodic timer fires within its one-second interval; wait for its file, not a fixed time.
  const deadline = Date.now() + 10_000
  while (!existsSync(file) && Date.now() < deadline) await sleep(20)
  assert.ok(existsSync(file), 'saved again by the periodic timer')
})

test('kill -9 during saves never leaves an unreadable state file', async (t) => {
  const dir = tempDir()
  const file = join(dir, 'state.json')
  const now = Math.floor(Date.now() / 1000)
  const torrents: Record<string, object> = {}
  for (let i = 0; i < 500; i++) {
    const peers = []
    for (let p = 0; p < 40; p++) peers.push({ peer_id: id('k').toString('hex'), ip: `10.0.${p}.${i % 250}`, port: 1000 + p, uploaded: 0, downloaded: 0, left: p, last_seen: now })
    torrents[i.toString(16).padStart(40, '0')] = { info: {}, peers_info: peers, stats: { completed: i } }
  }
  writeFileSync(file, JSON.stringify({ version: 1, torrents }))
  for (let round = 0; round < 2; round++) {
    const tracker = await spawnTracker(t, { TRACKER_DATA_FILE: file, TRACKER_SAVE_INTERVAL: '0' })
    // The kill lands the moment a save touches the folder (its temporary file): inside the save.
    const temp = `.state.json.${tracker.child.pid}.tmp`
    const watcher = watch(dir, (_, name) => { if (name === temp || name === 'state.json') tracker.child.kill('SIGKILL') })
    const saves = Array.from({ length: 3 }, async () => await get(tracker.url, '/save_state').catch(() => null))
    assert.equal(await tracker.exited, 'SIGKILL')
    watcher.close()
    await Promise.all(saves)
    assert.ok(existsSync(join(dir, temp)), `round ${round}: the kill came inside a save`)
    const state = JSON.parse(readFileSync(file, 'utf8'))
    assert.equal(Object.keys(state.torrents).length, 500, `round ${round}: complete and readable`)
  }
  // The next start clears what the killed saves left behind.
  const last = await spawnTracker(t, { TRACKER_DATA_FILE: file, TRACKER_SAVE_INTERVAL: '0' })
  assert.deepEqual(readdirSync(dir).filter(f => f.endsWith('.tmp')), [])
  last.child.kill('SIGTERM')
  assert.equal(await last.exited, 0)
})
