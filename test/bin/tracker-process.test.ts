import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import { announce, id, type RunningTracker } from '../helpers/tracker.ts'
import { launcher, spawnTracker } from '../helpers/tracker-process.ts'

// Every test here starts the production launcher, bin/tracker, as systemd does.

/**
 * A fault injected into the real process: a preloaded module that throws (or rejects) when the
 * process gets SIGWINCH (or SIGURG), a signal nothing else in the tracker listens to.
 */
const fault = (kind: 'throw' | 'reject'): string =>
  'data:text/javascript,' + encodeURIComponent(kind === 'throw'
    ? "process.on('SIGWINCH', () => { throw new Error('injected fault') })"
    : "process.on('SIGURG', () => { Promise.reject(new Error('injected rejection')) })")

function stateFile (t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'tracker-crash-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return join(dir, 'state.json')
}

const at = (url: string): RunningTracker => ({ url } as unknown as RunningTracker)

// Each test has its own process and state file, so they run side by side.
describe('bin/tracker, the process', { concurrency: true }, () => {
  for (const [kind, signal] of [['throw', 'SIGWINCH'], ['reject', 'SIGURG']] as const) {
    test(`an uncaught ${kind === 'throw' ? 'exception' : 'rejection'} saves the state, logs it and exits 1`, { timeout: 90_000 }, async (t) => {
      const file = stateFile(t)
      const tracker = await spawnTracker(t, { TRACKER_DATA_FILE: file, TRACKER_SAVE_INTERVAL: '0' }, ['--import', fault(kind)], launcher)
      const infoHash = id('crash')
      await announce(at(tracker.url), { infoHash, peerId: id('p'), port: 6001 })
      assert.equal(existsSync(file), false)
      tracker.child.kill(signal)
      assert.equal(await tracker.exited, 1)
      const fatal = tracker.logs.find(l => l.level === 60)
      assert.ok(fatal !== undefined, 'a fatal line')
      assert.match(JSON.stringify(fatal.err), kind === 'throw' ? /injected fault/ : /injected rejection/)
      const saved = JSON.parse(readFileSync(file, 'utf8'))
      assert.equal(saved.torrents[infoHash.toString('hex')].peers_info.length, 1, 'the final save ran')
    })
  }

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`${signal} stops with a final save and status 0`, { timeout: 90_000 }, async (t) => {
      const file = stateFile(t)
      const tracker = await spawnTracker(t, { TRACKER_DATA_FILE: file, TRACKER_SAVE_INTERVAL: '0' }, [], launcher)
      await announce(at(tracker.url), { infoHash: id('stop'), peerId: id('p'), port: 6001 })
      tracker.child.kill(signal)
      assert.equal(await tracker.exited, 0, signal)
      assert.equal(Object.keys(JSON.parse(readFileSync(file, 'utf8')).torrents).length, 1, signal)
      assert.ok(tracker.logs.some(l => l.msg === 'stopping' && l.why === signal))
    })
  }
})
