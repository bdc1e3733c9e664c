/**
 * The WebSocket scenarios (part of `npm run bench`, or alone: `npm run bench:ws -- [--seconds S]
 * [--rounds N] [--connections C] [--idle I]`), ours against bittorrent-tracker's WebSocket server,
 * alternating:
 * - 13. announces/s from C open connections over 1,000 torrents, every announce carrying offers
 *   that the subject relays to other peers of the swarm;
 * - 14. memory per idle connection: I connections announce once and go silent; RSS growth / I.
 * With two cores or more the subject runs on core 0 and this process (the generator) on core 1,
 * and both CPU figures are read from /proc, so each run shows which side was the limit.
 * Prints a markdown table, writes bench/results-ws.json, and ends with one JSON line.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { startSubject, type Subject } from './subjects.ts'
import { wsHold, wsLoad, wsSettings, type WsHoldResult, type WsLoadResult } from './ws-load.ts'
import { wsMarkdown, type WsResults } from './report.ts'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '1000' },
    torrents: { type: 'string', default: '1000' },
    'per-connection': { type: 'string', default: '10' },
    offers: { type: 'string', default: '5' },
    window: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '2' },
    // 0 skips the memory scenario.
    idle: { type: 'string', default: '10000' }
  }
})
const rounds = Number(values.rounds)
const seconds = Number(values.seconds)
const settings = {
  connections: Number(values.connections),
  torrents: Number(values.torrents),
  perConnection: Number(values['per-connection']),
  offers: Number(values.offers),
  window: Number(values.window),
  idle: Number(values.idle)
}
const warmup = Number(values.warmup)
/** Idle connections opened before the memory baseline, so the baseline has ws and the JIT warm. */
const warmConnections = 200
/** Connections per source address: well inside the 28,000 ports of the ephemeral range. */
const most = Math.max(settings.connections, settings.idle + warmConnections)
const addresses = Math.max(1, Math.ceil(most / 2000))
// The subject's connections, and as many again in this process: the margin is for the rest.
const needed = most + 1000
const limit = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim())
if (limit < needed) {
  console.error(`${needed} file descriptors are needed (open files limit ${limit}): run \`ulimit -n ${needed}\` first`)
  process.exit(1)
}
// One core each, so that "announces/s on one core" holds and the generator cannot steal the subject's.
let pinned = false
try {
  if (cpus().length >= 2) {
    execFileSync('taskset', ['-a', '-pc', '1', String(process.pid)], { stdio: 'ignore' })
    pinned = true
  }
} catch {
  console.error('taskset not found: subject and generator share the cores')
}
const pin = (s: Subject): void => { if (pinned) execFileSync('taskset', ['-a', '-pc', '0', String(s.pid)], { stdio: 'ignore' }) }

const dir = mkdtempSync(join(tmpdir(), 'tracker-bench-ws-'))
const hashes = Array.from({ length: settings.torrents }, () => randomBytes(20).toString('hex'))
const subjects = ['ours', 'bittorrent-tracker'] as const
type Name = typeof subjects[number]
// Below the ephemeral range (32768+), where the generator's own connections take their ports.
let port = 20000 + Math.floor(Math.random() * 10000)
const loads: Record<Name, WsLoadResult[]> = { ours: [], 'bittorrent-tracker': [] }
const holds: Record<Name, WsHoldResult[]> = { ours: [], 'bittorrent-tracker': [] }

try {
  for (let round = 1; round <= rounds; round++) {
    for (const name of subjects) {
      const s = await startSubject(name, port++, dir, hashes, [], wsSettings(name, needed))
      try {
        pin(s)
        const run = await wsLoad(s.port, s.pid, seconds, hashes, { ...settings, warmup, addresses }).catch((err: unknown) => {
          throw s.exited() === null ? err : new Error(`${name} ended during the run (${s.exited()})`)
        })
        const { counts } = run
        if (counts.replies === 0 || counts.offers === 0) throw new Error(`${name}: ${counts.replies} replies and ${counts.offers} offers relayed`)
        if (counts.failures + counts.invalid + counts.refused + counts.errors + counts.closes > 0) throw new Error(`${name}: the load was not served cleanly: ${JSON.stringify(counts)}`)
        loads[name].push(run)
      } finally {
        await s.stop()
      }
      const load = loads[name][loads[name].length - 1]
      console.error(`ws round ${round}: ${name} ${Math.round(load.announcesPerSecond)} announces/s (${Math.round(load.subjectUs)} µs CPU each, generator ${Math.round(load.generatorUs)} µs)`)
      if (settings.idle === 0) continue
      const inspectPort = port++
      const m = await startSubject(name, port++, dir, hashes, [`--inspect=127.0.0.1:${inspectPort}`], wsSettings(name, needed))
      try {
        pin(m)
        holds[name].push(await wsHold(m.port, m.pid, hashes, { connections: settings.idle, warm: warmConnections, offers: settings.offers, addresses, inspectPort }).catch((err: unknown) => {
          throw m.exited() === null ? err : new Error(`${name} ended during the run (${m.exited()})`)
        }))
      } finally {
        await m.stop()
      }
      console.error(`ws round ${round}: ${name} ${holds[name][holds[name].length - 1].bytesPerConnection} B per idle connection`)
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]
const r1 = (x: number): number => Math.round(10 * x) / 10
const r2 = (x: number): number => Math.round(100 * x) / 100
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0)
const results: WsResults = {
  settings: { ...settings, rounds, seconds, pinned },
  load: Object.fromEntries(subjects.map(name => {
    const runs = loads[name]
    const rates = runs.map(r => r.announcesPerSecond)
    return [name, {
      announcesPerSecond: Math.round(median(rates)),
      min: Math.round(Math.min(...rates)),
      max: Math.round(Math.max(...rates)),
      offersPerSecond: Math.round(median(runs.map(r => r.offersPerSecond))),
      subjectUs: r1(median(runs.map(r => r.subjectUs))),
      subjectSystemUs: r1(median(runs.map(r => r.subjectSystemUs))),
      subjectBusy: r2(median(runs.map(r => r.subjectBusy))),
      generatorBusy: r2(median(runs.map(r => r.generatorBusy))),
      generatorUs: r1(median(runs.map(r => r.generatorUs)))
    }]
  })),
  ratio: r2(median(loads.ours.map(r => r.announcesPerSecond)) / median(loads['bittorrent-tracker'].map(r => r.announcesPerSecond))),
  memory: Object.fromEntries(subjects.filter(name => holds[name].length > 0).map(name => {
    const runs = holds[name]
    const bytes = runs.map(r => r.bytesPerConnection)
    return [name, {
      bytesPerConnection: median(bytes),
      min: Math.min(...bytes),
      max: Math.max(...bytes),
      settledBytesPerConnection: median(runs.map(r => r.settledBytesPerConnection)),
      heapBytesPerConnection: median(runs.map(r => r.heapBytesPerConnection)),
      rssBeforeMiB: median(runs.map(r => r.rssBeforeMiB)),
      rssAfterMiB: median(runs.map(r => r.rssAfterMiB)),
      held: Math.min(...runs.map(r => r.held)),
      offersRelayed: median(runs.map(r => r.counts.offers)),
      refused: sum(runs.map(r => r.counts.refused)),
      errors: sum(runs.map(r => r.counts.errors + r.counts.failures + r.counts.invalid)),
      closes: sum(runs.map(r => r.counts.closes))
    }]
  }))
}
writeFileSync(join(import.meta.dirname, 'results-ws.json'), JSON.stringify({ date: new Date().toISOString(), ...results, loads, holds }, null, 2) + '\n')
console.log(wsMarkdown(results))
console.log(JSON.stringify(results))
