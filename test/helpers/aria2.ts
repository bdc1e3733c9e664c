import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { promisify } from 'node:util'
import bencode from 'bencode'
import { freePort } from './free-port.ts'

/** A random payload, its torrent, and a folder for each client. */
export interface TorrentFixture {
  dir: string
  name: string
  size: number
  sha256: string
  torrentFile: string
  infoHash: Buffer
  seedDir: string
  leechDir: string
}

/** Writes `size` random bytes and a torrent for them announcing to `announceUrl` (mktorrent). */
export async function makeFixture (t: TestContext, announceUrl: string, size = 4 * 1024 * 1024): Promise<TorrentFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'tracker-e2e-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const seedDir = join(dir, 'seed')
  const leechDir = join(dir, 'leech')
  mkdirSync(seedDir)
  mkdirSync(leechDir)
  const name = 'payload.bin'
  const payload = randomBytes(size)
  writeFileSync(join(seedDir, name), payload)
  const torrentFile = join(dir, 'payload.torrent')
  await promisify(execFile)('mktorrent', ['-a', announceUrl, '-o', torrentFile, join(seedDir, name)], { timeout: 30_000 })
  const meta = bencode.decode(readFileSync(torrentFile)) as { info: unknown }
  const infoHash = createHash('sha1').update(bencode.encode(meta.info)).digest()
  return { dir, name, size, sha256: createHash('sha256').update(payload).digest('hex'), torrentFile, infoHash, seedDir, leechDir }
}

export interface Aria2 {
  child: ChildProcess
  output: () => string
  running: () => boolean
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>
}

/**
 * One aria2c for the fixture. Local peer discovery, peer exchange and UPnP (aria2 has none) are
 * off, so the tracker is the only way two clients can meet. DHT is off too unless `dht` is set:
 * aria2 sends udp:// announces only through its DHT socket, so UDP tests need it, with a fresh
 * routing table and no entry points, so it finds nobody by itself. The seeder seeds until
 * killed; the leecher seeds a moment after completing, because aria2 sends the `completed`
 * event only when it goes on to seed, and then exits.
 */
/** `tracker` replaces the torrent's announce URL (to send this client to another tracker instance). */
export async function startAria2 (t: TestContext, fixture: TorrentFixture, role: 'seeder' | 'leecher', options: { dht: boolean, tracker?: string }): Promise<Aria2> {
  const peerPort = await freePort('tcp')
  const dhtPort = await freePort('udp')
  const args = [
    '--no-conf=true',
    `--dir=${role === 'seeder' ? fixture.seedDir : fixture.leechDir}`,
    `--listen-port=${peerPort}`,
    `--dht-listen-port=${dhtPort}`,
    `--enable-dht=${options.dht}`,
    '--enable-dht6=false',
    `--dht-file-path=${join(fixture.dir, `dht-${role}.dat`)}`,
    '--bt-enable-lpd=false',
    '--enable-peer-exchange=false',
    '--disable-ipv6=true',
    '--file-allocation=none',
    '--summary-interval=0',
    '--console-log-level=notice',
    // If the test process dies, aria2 stops by itself.
    `--stop-with-process=${process.pid}`,
    ...(options.tracker === undefined ? [] : ['--bt-exclude-tracker=*', `--bt-tracker=${options.tracker}`]),
    ...(role === 'seeder'
      ? ['--check-integrity=true', '--seed-ratio=0.0']
      : ['--seed-time=0.02']),
    fixture.torrentFile
  ]
  const child = spawn('aria2c', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (c: Buffer) => { output += c.toString() })
  child.stderr.on('data', (c: Buffer) => { output += c.toString() })
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string)
  const running = (): boolean => child.exitCode === null && child.signalCode === null
  t.after(async () => {
    if (!running()) return
    child.kill('SIGKILL')
    await exited
  })
  return { child, output: () => output, running, exited }
}

export async function sha256File (path: string): Promise<string | null> {
  try {
    return createHash('sha256').update(await readFile(path)).digest('hex')
  } catch {
    return null
  }
}
