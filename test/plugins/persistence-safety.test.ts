import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test, type TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../app.ts'
import { ConfigError } from '../../plugins/config.ts'
import { collectedLogs } from '../helpers/tracker.ts'
import { runTrackerToExit } from '../helpers/tracker-process.ts'

const dirs: string[] = []
// Removed after every test's own clean-up, whose final save writes into them.
after(() => { for (const dir of dirs) rmSync(dir, { recursive: true, force: true }) })

function tempDir (): string {
  const dir = mkdtempSync(join(tmpdir(), 'tracker-safety-'))
  dirs.push(dir)
  return dir
}

/** An in-process tracker whose JSON log lines are collected. */
async function appWithLogs (t: TestContext, env: Record<string, string>): Promise<{ app: FastifyInstance, logs: Array<Record<string, unknown>> }> {
  const { lines: logs, logger } = collectedLogs()
  const app = await buildApp({ env: { TRACKER_SAVE_INTERVAL: '0', TRACKER_UDP_PORT: '0', ...env }, logger })
  t.after(async () => await app.close())
  return { app, logs }
}

test('a start and each save clear the temporary files of interrupted saves of the same file, and only those', async (t) => {
  const dir = tempDir()
  const file = join(dir, 'state.json')
  const leftovers = ['.state.json.4242.tmp', '.state.json.1.tmp', `.state.json.${process.pid}.tmp`]
  const others = ['.other.json.4242.tmp', '.state.json.x1.tmp', '.state.json.4242.tmp.bak', 'state.json.4242.tmp', '.state.json..tmp', 'notes.txt']
  for (const name of [...leftovers, ...others]) writeFileSync(join(dir, name), 'partial save')
  const { app, logs } = await appWithLogs(t, { TRACKER_DATA_FILE: file })
  assert.deepEqual(readdirSync(dir).sort(), [...others].sort())
  const warning = logs.find(l => l.msg === 'removed the temporary files of saves interrupted by a crash')
  assert.deepEqual((warning?.removed as string[]).sort(), [...leftovers].sort())

  writeFileSync(join(dir, '.state.json.777.tmp'), 'left by another crash while this one ran')
  assert.equal((await app.inject({ method: 'POST', url: '/save_state' })).statusCode, 200)
  assert.deepEqual(readdirSync(dir).sort(), [...others, 'state.json'].sort())
})

test('a state file that is not a regular file stops the start with one line and exit status 2', { timeout: 30_000 }, async (t) => {
  const dir = tempDir()
  const fifo = join(dir, 'fifo.json')
  execFileSync('mkfifo', [fifo])
  const folder = join(dir, 'folder.json')
  mkdirSync(folder)
  for (const path of ['/dev/zero', fifo, folder]) {
    await assert.rejects(buildApp({ env: { TRACKER_DATA_FILE: path, TRACKER_UDP_PORT: '0' }, logger: false }), (err: Error) => {
      assert.ok(err instanceof ConfigError, `${path}: ${err.message}`)
      assert.match(err.message, /TRACKER_DATA_FILE: .* is not a regular file/)
      return true
    })
  }
  const run = await runTrackerToExit({ TRACKER_DATA_FILE: '/dev/zero', TRACKER_PORT: '0', TRACKER_IP: '127.0.0.1' })
  assert.equal(run.code, 2)
  assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr)
  assert.match(run.stderr, /^tracker: TRACKER_DATA_FILE: \/dev\/zero is not a regular file/)
  assert.equal(statSync(folder).isDirectory(), true, 'the folder is left where it was')
})

test('a state file over TRACKER_DATA_FILE_MAX_MB stops the start and is left untouched', async (t) => {
  const dir = tempDir()
  const file = join(dir, 'state.json')
  const big = `{"version":1,"torrents":{},"padding":"${'x'.repeat(1024 * 1024 + 10)}"}`
  writeFileSync(file, big)
  await assert.rejects(buildApp({ env: { TRACKER_DATA_FILE: file, TRACKER_DATA_FILE_MAX_MB: '1', TRACKER_UDP_PORT: '0' }, logger: false }),
    /TRACKER_DATA_FILE: .*state\.json is 1048\d+ bytes, more than the limit of 1048576 \(TRACKER_DATA_FILE_MAX_MB\)/)
  assert.equal(readFileSync(file, 'utf8'), big)
  assert.deepEqual(readdirSync(dir), ['state.json'])
  // Within the limit, the same file loads.
  const { app } = await appWithLogs(t, { TRACKER_DATA_FILE: file, TRACKER_DATA_FILE_MAX_MB: '2' })
  assert.equal((await app.inject({ url: '/stats' })).json().totals.torrents, 0)
})

test('entries of the wrong type are dropped with a warning naming them, and the original is kept before the first save', async (t) => {
  const dir = tempDir()
  const file = join(dir, 'state.json')
  const now = Math.floor(Date.now() / 1000)
  const good = { peer_id: 'aa'.repeat(20), ip: '10.0.0.1', port: 6881, uploaded: 1, downloaded: 2, left: 0, last_seen: now }
  const original = JSON.stringify({
    version: 1,
    torrents: {
      ['ab'.repeat(20)]: {
        info: { name: 42, size: 1000 },
        peers_info: [good, { ...good, port: 'x' }, { ...good, ip: 'nowhere', port: 6882 }, 'peer', { ...good, port: 6883, uploaded: -5 }],
        stats: { completed: 'many' }
      },
      'not-a-hash': { info: {}, peers_info: [], stats: {} },
      ['cd'.repeat(20)]: []
    },
    aliases: { ['ef'.repeat(20)]: 12 }
  })
  writeFileSync(file, original)
  const { app, logs } = await appWithLogs(t, { TRACKER_DATA_FILE: file })
  const stats = (await app.inject({ url: '/stats' })).json()
  assert.equal(stats.totals.torrents, 1)
  assert.equal(stats.totals.peers, 2)
  assert.deepEqual(stats.torrents[0].info, { size: 1000 })

  const copies = readdirSync(dir).filter(f => f.startsWith('state.json.skipped-'))
  assert.equal(copies.length, 1)
  assert.equal(readFileSync(join(dir, copies[0]), 'utf8'), original)
  const warning = logs.find(l => l.level === 40 && /entries of the state file/.test(String(l.msg)))
  assert.ok(warning !== undefined, 'a warning is logged')
  assert.equal(warning.file, file)
  assert.equal(warning.skipped, 9)
  assert.deepEqual(warning.reasons, {
    'info.name has the wrong type': 1,
    'peer port is not 1-65535': 1,
    'peer ip is not an IP address': 1,
    'peer is not an object': 1,
    'peer uploaded is not a count (reset to 0)': 1,
    'stats.completed is not a count (reset to 0)': 1,
    'torrent key is not a 40-digit hex info hash': 1,
    'torrent entry is not an object': 1,
    'alias is not a pair of 40-digit hex info hashes': 1
  })
  assert.match(String(warning.msg), new RegExp(`original is kept as ${join(dir, copies[0]).replace(/[.]/g, '\\.')}`))

  // The save replaces the file; the copy stays.
  assert.equal((await app.inject({ method: 'POST', url: '/save_state' })).statusCode, 200)
  assert.notEqual(readFileSync(file, 'utf8'), original)
  assert.equal(readFileSync(join(dir, copies[0]), 'utf8'), original)
})

test('a clean state file leaves no copy and no warning', async (t) => {
  const dir = tempDir()
  const file = join(dir, 'state.json')
  const now = Math.floor(Date.now() / 1000)
  writeFileSync(file, JSON.stringify({ version: 1, torrents: { ['ab'.repeat(20)]: { info: { name: 'a' }, peers_info: [{ peer_id: 'aa'.repeat(20), ip: '10.0.0.1', port: 1, uploaded: 0, downloaded: 0, left: 0, last_seen: now }], stats: { completed: 1 } } } }))
  const { logs } = await appWithLogs(t, { TRACKER_DATA_FILE: file })
  assert.deepEqual(readdirSync(dir), ['state.json'])
  assert.equal(logs.filter(l => (l.level as number) >= 40).length, 0)
})

test('saves asked for at the same moment run one at a time and all succeed', async (t) => {
  const dir = tempDir()
  const file = join(dir, 'state.json')
  const { app } = await appWithLogs(t, { TRACKER_DATA_FILE: file })
  for (let i = 0; i < 200; i++) {
    await app.inject({ url: `/announce?info_hash=${'%01'.repeat(19)}%${(i % 200).toString(16).padStart(2, '0')}&peer_id=${'-qB4650-'.padEnd(20, 'x')}&port=${1000 + i}&left=5` })
  }
  const replies = await Promise.all(Array.from({ length: 6 }, async () => await app.inject({ method: 'POST', url: '/save_state' })))
  for (const r of replies) assert.equal(r.statusCode, 200, r.body)
  assert.equal(Object.keys(JSON.parse(readFileSync(file, 'utf8')).torrents).length, 200)
  assert.deepEqual(readdirSync(dir).filter(f => f.endsWith('.tmp')), [])
})
