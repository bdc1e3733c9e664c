import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Cluster, Redis } from 'ioredis'
import { connectRedis, createRedis } from '../../../lib/store/redis/connect.ts'
import { isCluster } from '../../../lib/store/redis/redis-peer-store.ts'
import { redisMissing, startRedis } from '../../helpers/redis.ts'

/** What every connection gets: fail at once while disconnected, a command fails within the timeout. */
const HOT_PATH = { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true, enableAutoPipelining: true }

function single (url: string, timeout?: number): Redis {
  const client = createRedis(url, timeout)
  assert.ok(!isCluster(client), `${url} is one server`)
  return client
}

function cluster (url: string): Cluster {
  const client = createRedis(url, 1500)
  assert.ok(isCluster(client), `${url} is a Cluster`)
  return client
}

describe('TRACKER_REDIS_URL, read without connecting', () => {
  test('redis:// is one server, with the hot-path settings and a connect timeout of at least 2 s', () => {
    const quick = single('redis://user:pw@127.0.0.1:6380/2', 500)
    assert.deepEqual(
      [quick.options.host, quick.options.port, quick.options.db, quick.options.username, quick.options.password],
      ['127.0.0.1', 6380, 2, 'user', 'pw'])
    assert.deepEqual([quick.options.commandTimeout, quick.options.connectTimeout], [500, 2000])
    for (const [name, value] of Object.entries(HOT_PATH)) assert.equal(quick.options[name as keyof typeof HOT_PATH], value, name)
    const slow = single('redis://127.0.0.1:6379', 5000)
    assert.deepEqual([slow.options.commandTimeout, slow.options.connectTimeout], [5000, 5000])
  })

  const clusters: Array<[string, Array<{ host: string, port: number }>, Record<string, unknown>]> = [
    ['redis-cluster://10.0.0.1:7000,10.0.0.2:7001', [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7001 }], {}],
    // A path (a database number, which a Cluster does not have) is dropped; a missing port is 6379.
    ['redis-cluster://10.0.0.1:7000,redis.internal/0', [{ host: '10.0.0.1', port: 7000 }, { host: 'redis.internal', port: 6379 }], {}],
    ['rediss-cluster://tracker:p%40ss@[::1]:7000', [{ host: '::1', port: 7000 }], { username: 'tracker', password: 'p@ss', tls: {} }],
    // The password alone (Redis before ACLs): no user name.
    ['redis-cluster://:secret@10.0.0.1:7000,', [{ host: '10.0.0.1', port: 7000 }], { password: 'secret' }]
  ]
  for (const [url, nodes, auth] of clusters) {
    test(`${url} is a Cluster with its seed nodes and credentials`, () => {
      const client = cluster(url)
      // Private in ioredis's types, and the only record of the seeds before connecting.
      assert.deepEqual(client['startupNodes'], nodes)
      assert.deepEqual([client.options.enableOfflineQueue, client.options.enableAutoPipelining, client.options.lazyConnect], [false, true, true])
      const { username, password, tls, commandTimeout, connectTimeout } = client.options.redisOptions ?? {}
      const present = Object.fromEntries(Object.entries({ username, password, tls }).filter(([, v]) => v !== undefined))
      assert.deepEqual(present, auth)
      assert.deepEqual([commandTimeout, connectTimeout], [1500, 2000])
    })
  }

  test('a Cluster URL without a node is refused, saying why', () => {
    for (const url of ['redis-cluster://', 'redis-cluster://,', 'rediss-cluster://user:pw@']) {
      assert.throws(() => createRedis(url), /a redis-cluster:\/\/ URL needs at least one host:port/, url)
    }
  })
})

describe('the checks on connecting', { skip: redisMissing }, () => {
  test('noeviction and volatile policies pass without a warning', async (t) => {
    for (const policy of ['noeviction', 'volatile-lru']) {
      const server = await startRedis(['--maxmemory-policy', policy])
      t.after(async () => { await server.stop() })
      const client = createRedis(server.url)
      t.after(() => { client.disconnect() })
      assert.deepEqual(await connectRedis(client), { warnings: [] }, policy)
    }
  })

  test('an allkeys- policy is refused, naming the server and the fix', async (t) => {
    const server = await startRedis(['--maxmemory-policy', 'allkeys-random'])
    t.after(async () => { await server.stop() })
    const client = createRedis(server.url)
    t.after(() => { client.disconnect() })
    await assert.rejects(connectRedis(client), {
      message: `Redis at 127.0.0.1:${server.port} has maxmemory-policy allkeys-random, which could evict part of a swarm: set it to noeviction`
    })
  })

  test('a user not allowed CONFIG gets a warning, not a refusal', async (t) => {
    const server = await startRedis()
    t.after(async () => { await server.stop() })
    const admin = createRedis(server.url)
    t.after(() => { admin.disconnect() })
    await admin.connect()
    await admin.call('ACL', 'SETUSER', 'tracker', 'on', '>pw', '~*', '&*', '+@all', '-config')
    const client = createRedis(`redis://tracker:pw@127.0.0.1:${server.port}`)
    t.after(() => { client.disconnect() })
    assert.deepEqual(await connectRedis(client), {
      warnings: ['cannot read maxmemory-policy (CONFIG is not allowed): make sure it is noeviction']
    })
  })
})
