import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../app.ts'
import { TEST_TIMEOUT_ENV, redisMissing, startRedis } from '../helpers/redis.ts'

interface Instance { id: string, leader: boolean, host?: string, pid?: number, seenSecondsAgo: number }

test('the dashboard lists the live instances on a shared store, and forgets one that stopped', { skip: redisMissing, timeout: 30_000 }, async (t) => {
  const server = await startRedis()
  const dir = mkdtempSync(join(tmpdir(), 'dashboard-instances-'))
  t.after(async () => {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  })
  const leaseMs = 1000
  const env = {
    ...TEST_TIMEOUT_ENV,
    TRACKER_STORE: 'redis',
    TRACKER_REDIS_URL: server.url,
    TRACKER_REDIS_PREFIX: `d${randomBytes(4).toString('hex')}:`,
    TRACKER_STATS_PUBLIC: 'false',
    TRACKER_SAVE_INTERVAL: '0',
    TRACKER_DATA_FILE: join(dir, 'state.json')
  }
  const apps: FastifyInstance[] = []
  t.after(async () => { for (const app of apps) await app.close() })
  for (let i = 0; i < 2; i++) {
    const app = await buildApp({ logger: false, env, leaseMs })
    await app.ready()
    apps.push(app)
  }
  const instances = async (app: FastifyInstance): Promise<Instance[]> => {
    const res = await app.inject('/dashboard/data')
    assert.equal(res.statusCode, 200)
    return res.json<{ instances: Instance[] }>().instances
  }

  const both = await instances(apps[0])
  assert.equal(both.length, 2)
  assert.deepEqual(both.map(i => i.leader).sort(), [false, true], 'one runs the periodic jobs')
  for (const i of both) {
    assert.equal(i.pid, process.pid)
    assert.equal(typeof i.host, 'string')
    assert.ok(i.seenSecondsAgo <= 3 * leaseMs / 1000, `heard from ${i.seenSecondsAgo} s ago`)
  }
  assert.deepEqual((await instances(apps[1])).map(i => i.id), both.map(i => i.id), 'both see the same list')

  const stopped = apps.pop() as FastifyInstance
  await stopped.close()
  // A process that stops leaves the list at once; the survivor takes the lease within its time.
  assert.equal((await instances(apps[0])).length, 1)
  // It renews every third of the lease; a loaded machine may take longer.
  const deadline = Date.now() + 10_000
  let left = await instances(apps[0])
  while (!left[0].leader && Date.now() < deadline) {
    await sleep(leaseMs / 3)
    left = await instances(apps[0])
  }
  assert.equal(left.length, 1)
  assert.equal(left[0].leader, true, 'the survivor runs the periodic jobs')
})
