/** Loads a state file as a tracker start would, in a fresh process; prints the time. */
import { readFileSync } from 'node:fs'
import { MemoryPeerStore } from '../lib/store/memory/memory-peer-store.ts'
import { loadState, stateText } from '../lib/state/state-reader.ts'

const started = performance.now()
const store = new MemoryPeerStore({ peerTimeout: 1800, similarityThreshold: 0.95 })
const report = await loadState(stateText(readFileSync(process.argv[2])), store)
console.log(JSON.stringify({ loadMs: Math.round(performance.now() - started), loadedPeers: report.peers }))
