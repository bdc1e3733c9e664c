/**
 * Save and load of a large state: save time, load time, and the longest event-loop stall while
 * saving with announces still arriving. Usage: node --expose-gc --import tsx bench/state-save.ts [peers] [torrents]
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { writeAtomic } from '../lib/atomic-write.ts'
import { serializeState } from '../lib/state-file.ts'
import { announceFor, fillStore } from './fill-store.ts'

const peers = Number(process.argv[2] ?? 1_000_000)
const torrents = Number(process.argv[3] ?? 100_000)
const dir = mkdtempSync(join(tmpdir(), 'bench-state-'))
const file = join(dir, 'state.json')

const { store, hashes } = fillStore(torrents, peers)
globalThis.gc?.()

// Announces keep arriving during the save, as they would in production.
let announced = 0
let saving = true
function keepAnnouncing (): void {
  for (let i = 0; i < 20; i++) store.announce(announceFor(hashes[announced % torrents], peers + announced++, 5))
  if (saving) setImmediate(keepAnnouncing)
}

const delay = monitorEventLoopDelay({ resolution: 1 })
delay.enable()
setImmediate(keepAnnouncing)
const started = performance.now()
await writeAtomic(file, serializeState(store))
const saveMs = performance.now() - started
saving = false
delay.disable()

// Load as a fresh start would: in a new process, without the saved store taking memory.
const load = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'state-load.ts'), file], { encoding: 'utf8' })) as { loadMs: number, loadedPeers: number }

console.log(JSON.stringify({
  peers,
  torrents,
  fileMiB: +(statSync(file).size / 2 ** 20).toFixed(1),
  saveMs: Math.round(saveMs),
  longestStallMs: +(delay.max / 1e6).toFixed(1),
  announcesDuringSave: announced,
  loadMs: load.loadMs,
  loadedPeers: load.loadedPeers
}))
rmSync(dir, { recursive: true, force: true })
