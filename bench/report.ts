import type { WsLoadResult } from './ws-load.ts'

export interface Sample {
  scenario: string
  subject: string
  value: number
  p50?: number
  p99?: number
  peers?: number
  /** The subject's CPU (user and system) per request, in µs. */
  cpuUs?: number
}

export interface Row {
  scenario: string
  subject: string
  median: number
  min: number
  max: number
  p50?: number
  p99?: number
  peers?: number
  cpuUs?: number
  /** ours / this subject, for the same scenario. */
  ratio?: number
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/** Medians with min–max per scenario and subject, and our ratio to each peer. */
export function summarize (samples: Sample[]): Row[] {
  const groups = new Map<string, Sample[]>()
  for (const s of samples) {
    const key = `${s.scenario}\u0000${s.subject}`
    groups.set(key, [...(groups.get(key) ?? []), s])
  }
  const rows: Row[] = [...groups.values()].map(g => {
    const pick = (f: (s: Sample) => number | undefined): number | undefined => g[0] !== undefined && f(g[0]) !== undefined ? median(g.map(s => f(s) ?? 0)) : undefined
    return {
      scenario: g[0].scenario,
      subject: g[0].subject,
      median: median(g.map(s => s.value)),
      min: Math.min(...g.map(s => s.value)),
      max: Math.max(...g.map(s => s.value)),
      p50: pick(s => s.p50),
      p99: pick(s => s.p99),
      peers: pick(s => s.peers),
      cpuUs: pick(s => s.cpuUs)
    }
  })
  for (const row of rows) {
    const ours = rows.find(r => r.scenario === row.scenario && r.subject === 'ours')
    if (ours !== undefined && row.subject !== 'ours') row.ratio = ours.median / row.median
  }
  return rows
}

const k = (n: number): string => `${(n / 1000).toFixed(1)}k`

export function markdown (r: { date: string, machine: string, rounds: number, seconds: number, table: Row[], memory: Record<string, unknown>, state: Record<string, unknown>, similarity: SimilarityRow[], shared: SharedStoreResults | null, access: AccessResults, ws: WsResults }): string {
  let out = `Measured ${r.date.slice(0, 10)} on ${r.machine}; load generator and subject on the same machine; ${r.rounds} rounds of ${r.seconds} s, subjects alternating.\n\n`
  out += '| scenario | subject | req/s median (min–max) | p50 / p99 ms | CPU µs per request | ours ÷ subject |\n|---|---|---|---|---|---|\n'
  for (const row of r.table) {
    const lat = row.p50 !== undefined ? `${row.p50.toFixed(2)} / ${(row.p99 ?? 0).toFixed(2)}` : row.peers !== undefined ? `${row.peers.toFixed(1)} peers/reply` : ''
    const cpu = row.cpuUs === undefined ? '' : row.cpuUs.toFixed(1)
    out += `| ${row.scenario} | ${row.subject} | ${k(row.median)} (${k(row.min)}–${k(row.max)}) | ${lat} | ${cpu} | ${row.ratio === undefined ? '' : row.ratio.toFixed(2)} |\n`
  }
  out += `\n5. Memory: ${String(r.memory.bytesPerPeer)} bytes per peer (RSS growth after GC; ${String(r.memory.liveBytesPerPeer)} bytes live in the heap and buffers) at ${String(r.memory.peers)} peers over ${String(r.memory.torrents)} torrents.\n`
  out += `6. State of ${String(r.state.peers)} peers (${String(r.state.fileMiB)} MiB): save ${String(r.state.saveMs)} ms with announces arriving, longest event-loop stall ${String(r.state.longestStallMs)} ms; load ${String(r.state.loadMs)} ms.\n`
  out += '7. First announce of an unknown hash, 1,000 vs 1,000,000 torrents known:\n'
  for (const row of r.similarity) {
    out += `   - threshold ${row.threshold}: median ${row.announceNsAt1k} vs ${row.announceNsAt1M} ns (${row.announceRatio} ×); ` +
      `mean ${row.meanNsAt1k} vs ${row.meanNsAt1M} ns; longest probe at 1M ${row.longestMsAt1M} ms; ` +
      `similarity lookup alone ${row.lookupNsAt1k} vs ${row.lookupNsAt1M} ns (${row.lookupRatio} ×)\n`
  }
  if (r.shared !== null) out += sharedStoreMarkdown(r.shared)
  out += `\n12. HTTP keep-alive announces, open mode ${k(r.access.open.rps)} (${r.access.open.cpuUs} µs CPU each) against private mode ${k(r.access.private.rps)} (${r.access.private.cpuUs} µs): ${r.access.ratio} ×.\n`
  out += wsMarkdown(r.ws)
  return out
}

/** What bench/access.ts prints. */
export interface AccessResults {
  open: { rps: number, cpuUs: number }
  private: { rps: number, cpuUs: number }
  ratio: number
}

/** What bench/shared-store.ts prints: per load, the median rate and CPU per announce on each side. */
export interface SharedStoreResults {
  rates: Record<string, { rps: number, trackerUs: number, redisUs: number }>
  bytesPerPeer: { at10: number, at50: number }
}

export function sharedStoreMarkdown (shared: SharedStoreResults): string {
  let out = '\n8-11. Shared store (one redis-server on this machine, beside the tracker and the load generator):\n\n'
  out += '| load | announces/s | tracker CPU µs per announce (all its processes) | redis-server CPU µs per announce |\n|---|---|---|---|\n'
  for (const [name, r] of Object.entries(shared.rates)) out += `| ${name} | ${k(r.rps)} | ${r.trackerUs.toFixed(1)} | ${r.redisUs.toFixed(1)} |\n`
  const ratio = (a: string, b: string): string => shared.rates[a] !== undefined && shared.rates[b] !== undefined ? (shared.rates[a].rps / shared.rates[b].rps).toFixed(2) : '?'
  out += `\nRedis ÷ memory, one process: HTTP keep-alive ${ratio('http redis', 'http memory')}, UDP ${ratio('udp redis', 'udp memory')}. `
  out += `Redis memory per peer: ${shared.bytesPerPeer.at10} B in swarms of 10, ${shared.bytesPerPeer.at50} B in swarms of 50.\n`
  return out
}

/** One threshold's row of bench/similarity-lookup.ts. */
export interface SimilarityRow {
  threshold: number
  announceNsAt1k: number
  announceNsAt1M: number
  announceRatio: number
  meanNsAt1k: number
  meanNsAt1M: number
  longestMsAt1M: number
  lookupNsAt1k: number
  lookupNsAt1M: number
  lookupRatio: number
}

/** What bench/ws.ts prints: per subject, the median of the rounds (min–max of the rate). */
export interface WsResults {
  settings: { connections: number, torrents: number, perConnection: number, offers: number, window: number, idle: number, rounds: number, seconds: number, pinned: boolean }
  /** Per subject: a run's figures (the medians of the rounds), and the min–max of its rate. */
  load: Record<string, Omit<WsLoadResult, 'counts'> & { min: number, max: number }>
  /** ours ÷ bittorrent-tracker, announces/s. */
  ratio: number
  memory: Record<string, {
    /** RSS growth after a full GC in the subject. */
    bytesPerConnection: number
    min: number
    max: number
    /** RSS growth once it stopped moving, garbage included. */
    settledBytesPerConnection: number
    /** Live JS heap growth; the rest of the RSS growth is native memory. */
    heapBytesPerConnection: number
    rssBeforeMiB: number
    rssAfterMiB: number
    /** Fewest connections still open at the end of a round. */
    held: number
    offersRelayed: number
    /** Summed over the rounds. */
    refused: number
    errors: number
    closes: number
  }>
}

export function wsMarkdown (ws: WsResults): string {
  const s = ws.settings
  let out = `\n13. WebSocket announces, ${s.connections} connections over ${s.torrents} torrents (${s.perConnection} torrents a connection, ${s.window} announce in flight each), ${s.offers} offers an announce, relayed; ` +
    `${s.pinned ? 'subject on core 0, generator on core 1' : 'subject and generator sharing the cores'}:\n\n`
  out += '| subject | announces/s median (min–max) | offers relayed/s | subject CPU µs per announce (kernel) | subject / generator CPU busy |\n|---|---|---|---|---|\n'
  for (const [name, r] of Object.entries(ws.load)) {
    out += `| ${name} | ${k(r.announcesPerSecond)} (${k(r.min)}–${k(r.max)}) | ${k(r.offersPerSecond)} | ${r.subjectUs.toFixed(1)} (${r.subjectSystemUs.toFixed(1)}) | ${r.subjectBusy.toFixed(2)} / ${r.generatorBusy.toFixed(2)} |\n`
  }
  out += `\nours ÷ bittorrent-tracker: ${ws.ratio} ×.`
  // The generator is not the limit when, on a core of its own, it needs less CPU per announce than the subject.
  const generator = Math.max(...Object.values(ws.load).map(r => r.generatorUs))
  const fastest = Math.min(...Object.values(ws.load).map(r => r.subjectUs))
  out += ` The generator spent at most ${generator.toFixed(1)} µs of CPU per announce, against ${fastest.toFixed(1)} µs for the cheaper subject: ` +
    `on its own core it could drive ${k(1e6 / generator)} announces/s, ${(fastest / generator).toFixed(1)} × what that subject can answer on one core.\n`
  if (Object.keys(ws.memory).length === 0) return out
  out += `\n14. Memory per idle WebSocket connection, ${s.idle} connections announced once (with offers) then silent:\n\n`
  // The growth without GC (settledBytesPerConnection) stays in the JSON only: the young
  // generation's garbage at either reading moves it by kilobytes either way, even below zero.
  out += '| subject | bytes per connection after GC, median (min–max) | of which JS heap | RSS before → after GC, MiB | connections held | refused / errors / closed |\n|---|---|---|---|---|---|\n'
  for (const [name, m] of Object.entries(ws.memory)) {
    out += `| ${name} | ${m.bytesPerConnection} (${m.min}–${m.max}) | ${m.heapBytesPerConnection} | ${m.rssBeforeMiB} → ${m.rssAfterMiB} | ${m.held} | ${m.refused} / ${m.errors} / ${m.closes} |\n`
  }
  return out
}
