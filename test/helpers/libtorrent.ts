import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import type { TestContext } from 'node:test'
import type { TorrentFixture } from './aria2.ts'
import { freePort } from './free-port.ts'

/** Debian's python3-libtorrent, run by the system Python it is built for. */
const PYTHON = '/usr/bin/python3'
const script = fileURLToPath(new URL('libtorrent-client.py', import.meta.url))

/** Why libtorrent cannot run here, or false; in CI (CI=true) its absence is a failure. */
export const libtorrentMissing: string | false = (() => {
  if (spawnSync(PYTHON, ['-c', 'import libtorrent']).status === 0) return false
  if (process.env.CI === 'true') throw new Error('python3-libtorrent is not installed (apt-get install python3-libtorrent)')
  return 'python3-libtorrent is not installed'
})()

export interface LibtorrentClient {
  output: () => string
  exited: Promise<number | string>
}

/** A libtorrent client seeding or leeching the fixture through `tracker` alone; stopped when the test ends. */
export async function startLibtorrent (t: TestContext, fixture: TorrentFixture, role: 'seed' | 'leech', tracker: string): Promise<LibtorrentClient> {
  const dir = role === 'seed' ? fixture.seedDir : fixture.leechDir
  const child = spawn(PYTHON, [script, role, fixture.torrentFile, dir, tracker, String(await freePort('tcp'))], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (c: Buffer) => { output += c.toString() })
  child.stderr.on('data', (c: Buffer) => { output += c.toString() })
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string)
  t.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGKILL')
    await exited
  })
  return { output: () => output, exited }
}
