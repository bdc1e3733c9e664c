import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { freePort } from './free-port.ts'

/**
 * Real redis-server processes on loopback ports for the tests, with no persistence. Without the
 * Debian package the Redis tests are skipped, except in CI (CI=true), where that is a failure.
 */
export const redisMissing: string | false = (() => {
  if (spawnSync('redis-server', ['--version']).status === 0) return false
  if (process.env.CI === 'true') throw new Error('redis-server is not installed (apt-get install redis-server)')
  return 'redis-server is not installed'
})()

/**
 * Command timeout (ms) for the tests' clients and trackers: a test machine running suites side by
 * side can keep Redis from answering within production's one second.
 */
export const TEST_TIMEOUT = 10_000
export const TEST_TIMEOUT_ENV = { TRACKER_REDIS_TIMEOUT: String(TEST_TIMEOUT) }

export interface RedisServer {
  port: number
  url: string
  /** Stops the server (its data goes with it). */
  stop: () => Promise<void>
  /** Starts it again on the same port, empty. */
  start: () => Promise<void>
}

async function ping (port: number): Promise<boolean> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 })
  client.on('error', () => {})
  try {
    await client.connect()
    return (await client.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    client.disconnect()
  }
}

function serverProcess (port: number, dir: string, extra: string[]): ChildProcess {
  return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extra], { stdio: 'ignore' })
}

async function waitFor (port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited with ${child.exitCode}`)
    if (await ping(port)) return
    await sleep(50)
  }
  throw new Error(`redis-server on port ${port} did not answer`)
}

async function stopProcess (child: ChildProcess | null): Promise<void> {
  if (child === null || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise(resolve => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
}

/** One redis-server; stop it when done (the caller's after hook). */
export async function startRedis (extra: string[] = []): Promise<RedisServer> {
  const port = await freePort('tcp')
  const dir = mkdtempSync(join(tmpdir(), 'tracker-redis-'))
  let child: ChildProcess | null = null
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start () {
      child = serverProcess(port, dir, extra)
      await waitFor(port, child)
    },
    async stop () {
      await stopProcess(child)
      child = null
    }
  }
  await server.start()
  process.once('exit', () => { child?.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }) })
  return server
}

/** The Redis Cluster slot of a key (CRC16 of the key or of its hash tag, modulo 16384). */
export function calculateSlot (key: string): number {
  const open = key.indexOf('{')
  const close = open === -1 ? -1 : key.indexOf('}', open + 1)
  const hashed = close > open + 1 ? key.slice(open + 1, close) : key
  let crc = 0
  for (const byte of Buffer.from(hashed)) {
    crc ^= byte << 8
    for (let i = 0; i < 8; i++) crc = (crc & 0x8000) !== 0 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
  }
  return crc % 16384
}

export interface RedisCluster {
  ports: number[]
  /** The seed-node URL the tracker takes. */
  url: string
  stop: () => Promise<void>
}

/** A real Redis Cluster of three masters, slots spread by redis-cli, ready when this resolves. */
export async function startRedisCluster (): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'tracker-redis-cluster-'))
  const ports: number[] = []
  for (let i = 0; i < 3; i++) ports.push(await freePort('tcp'))
  const children = ports.map(port => serverProcess(port, dir, [
    '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '2000'
  ]))
  const stop = async (): Promise<void> => { await Promise.all(children.map(stopProcess)) }
  process.once('exit', () => { for (const c of children) c.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }) })
  try {
    await Promise.all(ports.map(async (port, i) => { await waitFor(port, children[i]) }))
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map(p => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' })
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`)
    for (let i = 0; i < 200; i++) {
      const states = ports.map(port => spawnSync('redis-cli', ['-p', String(port), 'cluster', 'info'], { encoding: 'utf8' }).stdout)
      if (states.every(s => s.includes('cluster_state:ok'))) return { ports, url: `redis-cluster://${ports.map(p => `127.0.0.1:${p}`).join(',')}`, stop }
      await sleep(50)
    }
    throw new Error('the Redis Cluster did not reach cluster_state:ok')
  } catch (err) {
    await stop()
    throw err
  }
}
