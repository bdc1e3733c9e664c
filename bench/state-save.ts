/**
 * Fills a store and saves it to the file named by the first argument while announces keep
 * arriving, as they would in production; prints the save time and the longest event-loop
 * stall. Run by bench/state.ts. Usage: node --import tsx bench/state-save.ts file [peers] [torrents]
 */
import { statSync } from 'node:fs'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { writeAtomic } from '../lib/state/atomic-write.ts'
import { serializeState } from '../lib/state/state-writer.ts'
import { announceFor, fillStore } from './fill-store.ts'

const file = process.argv[2]
const peers = Number(process.argv[3] ?? 1_000_000)
const torrents = Number(process.argv[4] ?? 100_000)

const { store, hashes } = fillStore(torrents, peers)
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
await writeAtomic(file, serializeState(store.snapshot()))
const saveMs = performance.now() - started
saving = false
delay.disable()

console.log(JSON.stringify({
  peers,
  torrents,
  fileMiB: +(statSync(file).size / 2 ** 20).toFixed(1),
  saveMs: Math.round(saveMs),
  longestStallMs: +(delay.max / 1e6).toFixed(1),
  announcesDuringSave: announced
}))
