import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Redis } from 'ioredis'
import { InstanceRegistry } from '../../../lib/store/redis/instances.ts'
import { redisMissing, startRedis } from '../../helpers/redis.ts'

test('an instance silent for longer than the TTL is not live, and its entry goes', { skip: redisMissing, timeout: 30_000 }, async (t) => {
  const server = await startRedis()
  const redis = new Redis(server.url)
  t.after(async () => {
    redis.disconnect()
    await server.stop()
  })
  const self = { id: 'a', host: 'h1', pid: 1, startedAt: '2026-01-01T00:00:00.000Z' }
  const a = new InstanceRegistry(redis, 'inst', 1000, self)
  const b = new InstanceRegistry(redis, 'inst', 1000, { ...self, id: 'b', host: 'h2', startedAt: '2026-01-01T00:00:01.000Z' })
  await a.heartbeat(true, 10_000)
  await b.heartbeat(false, 10_500)
  await redis.hset('inst', 'junk', 'not json')
  assert.deepEqual((await a.live(11_000)).map(i => [i.id, i.host, i.leader, i.seenAt]), [['a', 'h1', true, 10_000], ['b', 'h2', false, 10_500]])
  assert.equal(await redis.hexists('inst', 'junk'), 0, 'an entry that is not one is dropped')
  assert.deepEqual((await a.live(11_200)).map(i => i.id), ['b'])
  assert.deepEqual(Object.keys(await redis.hgetall('inst')), ['b'])
  await b.leave()
  assert.deepEqual(await a.live(11_200), [])
})
