import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { after, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { TEST_TIMEOUT_ENV, redisMissing, startRedis } from '../helpers/redis.ts'
import { announce, id, type RunningTracker } from '../helpers/tracker.ts'
import { spawnTracker, trackerBin } from '../helpers/tracker-process.ts'

const at = (url: string): RunningTracker => ({ url } as unknown as RunningTracker)

test('TRACKER_WORKERS above 1 with the memory store stops the start with one line and status 2', () => {
  const run = spawnSync(process.execPath, [trackerBin], { env: { PATH: process.env.PATH, TRACKER_WORKERS: '2', TRACKER_PORT: '0' }, encoding: 'utf8', timeout: 15_000 })
  assert.equal(run.status, 2)
  assert.equal(run.stderr.trim().split('\n').length, 1)
  assert.match(run.stderr, /TRACKER_WORKERS above 1 needs TRACKER_STORE=redis/)
})

// Each test has its own key prefix and processes, so they run side by side.
describe('worker processes on one Redis', { skip: redisMissing, concurrency: true }, async () => {
  const server = await startRedis()
  after(async () => { await server.stop() })

  test('two workers share the port and the swarms; SIGTERM stops both, status 0', { timeout: 90_000 }, async (t) => {
    const tracker = await spawnTracker(t, {
      ...TEST_TIMEOUT_ENV, TRACKER_STORE: 'redis', TRACKER_REDIS_URL: server.url, TRACKER_REDIS_PREFIX: `w${randomBytes(4).toString('hex')}:`, TRACKER_WORKERS: '2', TRACKER_SAVE_INTERVAL: '0'
    })
    for (let i = 0; i < 100 && new Set(tracker.logs.filter(l => /listening at/.test(String(l.msg))).map(l => l.pid)).size < 2; i++) await sleep(50)
    const workers = [...new Set(tracker.logs.filter(l => /listening at/.test(String(l.msg))).map(l => l.pid))]
    assert.equal(workers.length, 2, 'two processes listen')
    const hash = randomBytes(20)
    // A new connection each time: the primary hands connections to the workers in turn.
    for (let i = 0; i < 6; i++) {
      const reply = await announce(at(tracker.url), { infoHash: hash, peerId: id('w'), port: 7400 + i, numwant: 50 })
      assert.equal(reply.incomplete, i + 1, 'every announce so far is in the swarm, whichever worker took it')
    }
    tracker.child.kill('SIGTERM')
    assert.equal(await tracker.exited, 0)
    for (const pid of workers) assert.throws(() => process.kill(Number(pid), 0), 'worker gone')
  })

  test('kill -9 of one tracker process loses nothing another one serves', { timeout: 90_000 }, async (t) => {
    const env = { ...TEST_TIMEOUT_ENV, TRACKER_STORE: 'redis', TRACKER_REDIS_URL: server.url, TRACKER_REDIS_PREFIX: `k${randomBytes(4).toString('hex')}:`, TRACKER_SAVE_INTERVAL: '0' }
    const [a, b] = await Promise.all([spawnTracker(t, env), spawnTracker(t, env)])
    const hash = randomBytes(20)
    for (let i = 0; i < 5; i++) await announce(at(a.url), { infoHash: hash, peerId: id('k'), port: 7500 + i, left: i === 0 ? 0 : 10 })
    a.child.kill('SIGKILL')
    assert.equal(await a.exited, 'SIGKILL')
    const reply = await announce(at(b.url), { infoHash: hash, peerId: id('k'), port: 7600, numwant: 50 })
    assert.deepEqual([reply.complete, reply.incomplete], [1, 5])
    assert.equal(Buffer.from(reply.peers as Uint8Array).length, 5 * 6, 'B hands out all five peers A took')
  })
})
