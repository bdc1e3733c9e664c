import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { WebSocket } from 'ws'
import { cpuSeconds, systemSeconds } from './subjects.ts'
import type { WsCounts, WsJob, WsWorkerMessage } from './ws-load-worker.ts'

const script = fileURLToPath(new URL('ws-load-worker.ts', import.meta.url))

/** A worker thread running bench/ws-load-worker.ts, its messages taken in order. */
class LoadWorker {
  private readonly worker: Worker
  private readonly queue: WsWorkerMessage[] = []
  private waiting: ((m: WsWorkerMessage) => void) | null = null
  private readonly exited: Promise<void>

  constructor (job: WsJob) {
    // Workers cannot start from a .ts file directly: register tsx in the worker, then import it.
    const boot = `import('tsx/esm/api').then(m => { m.register(); return import(${JSON.stringify(pathToFileURL(script).href)}) })`
    this.worker = new Worker(boot, { eval: true, workerData: job })
    const deliver = (m: WsWorkerMessage): void => {
      const waiter = this.waiting
      this.waiting = null
      if (waiter === null) this.queue.push(m)
      else waiter(m)
    }
    this.worker.on('message', deliver)
    this.worker.on('error', (err: Error) => deliver({ type: 'failed', message: err.message }))
    this.exited = new Promise(resolve => this.worker.once('exit', () => resolve()))
  }

  /** The next message of the given type; a failure, another type or `ms` of silence throws. */
  async next<T extends WsWorkerMessage['type']> (type: T, ms: number): Promise<Extract<WsWorkerMessage, { type: T }>> {
    const queued = this.queue.shift()
    let timer: NodeJS.Timeout | undefined
    const m = queued ?? await new Promise<WsWorkerMessage>((resolve, reject) => {
      timer = setTimeout(() => { this.waiting = null; reject(new Error(`WebSocket load: no '${type}' within ${ms} ms`)) }, ms)
      this.waiting = resolve
    }).finally(() => clearTimeout(timer))
    if (m.type === 'failed') throw new Error(`WebSocket load: ${m.message}`)
    if (m.type !== type) throw new Error(`WebSocket load: '${m.type}' came where '${type}' was expected`)
    return m as Extract<WsWorkerMessage, { type: T }>
  }

  go (): void { this.worker.postMessage('go') }

  /**
   * Waits for the worker to end (it closes its sockets on the way out) and terminates it if it
   * lingers: a run that failed half-way must not leave load behind. A terminated worker's
   * sockets close with it.
   */
  async stop (): Promise<void> {
    const timer = setTimeout(() => { void this.worker.terminate() }, 3000)
    await this.exited
    clearTimeout(timer)
  }
}

/**
 * The environment a subject needs for this load. Ours: its limits raised past it (every
 * connection comes from loopback, and each sends announces as fast as they are answered);
 * bittorrent-tracker has no such limits, and its WebSocket server is off unless WS=1.
 */
export function wsSettings (name: string, connections: number): Record<string, string> {
  if (name === 'bittorrent-tracker') return { WS: '1' }
  return {
    TRACKER_MAX_CONNECTIONS: String(connections),
    TRACKER_WS_MAX_CONNECTIONS: String(connections),
    TRACKER_WS_MAX_PER_ADDRESS: String(connections),
    TRACKER_WS_MESSAGES_PER_SECOND: '1000000'
  }
}

export interface WsLoadOptions {
  connections: number
  /** Torrents each connection announces on, in turn. */
  perConnection: number
  /** Offers per announce (and so numwant, as browsers send it). */
  offers: number
  /** Announces in flight per connection. */
  window: number
  warmup: number
  /** Source addresses 127.0.0.2… to spread the connections over. */
  addresses: number
}

export interface WsLoadResult {
  announcesPerSecond: number
  offersPerSecond: number
  /** The subject's CPU per announce answered, µs. */
  subjectUs: number
  /** The part of it spent in the kernel (socket reads and writes), µs. */
  subjectSystemUs: number
  /** CPU seconds per second over the run: near 1 for a process that had its core to itself and used it. */
  subjectBusy: number
  generatorBusy: number
  /** The generator's CPU per announce, µs: on a core of its own it could drive 1e6 / generatorUs a second. */
  generatorUs: number
  counts: WsCounts
}

/**
 * WebSocket announces with offers against the subject on `port` for `seconds` after the warm-up;
 * the subject's CPU (process `pid`) and this process's (the generator's) are read around the run.
 */
export async function wsLoad (port: number, pid: number, seconds: number, hashes: string[], options: WsLoadOptions): Promise<WsLoadResult> {
  const worker = new LoadWorker({ mode: 'load', port, hashes, worker: 0, seconds, warm: 0, ...options })
  try {
    await worker.next('measuring', (options.warmup + 120) * 1000)
    const [subject0, system0, generator0] = [cpuSeconds(pid), systemSeconds(pid), cpuSeconds(process.pid)]
    const { counts, elapsed } = await worker.next('done', (seconds + 30) * 1000)
    const [subject, system, generator] = [cpuSeconds(pid) - subject0, systemSeconds(pid) - system0, cpuSeconds(process.pid) - generator0]
    return {
      announcesPerSecond: counts.replies / elapsed,
      offersPerSecond: counts.offers / elapsed,
      subjectUs: 1e6 * subject / Math.max(1, counts.replies),
      subjectSystemUs: 1e6 * system / Math.max(1, counts.replies),
      subjectBusy: subject / elapsed,
      generatorBusy: generator / elapsed,
      generatorUs: 1e6 * generator / Math.max(1, counts.replies),
      counts
    }
  } finally {
    await worker.stop()
  }
}

export interface WsHoldOptions {
  connections: number
  /** Connections opened, announced and kept before the baseline is read. */
  warm: number
  offers: number
  addresses: number
  /** The subject's inspector port (it runs with --inspect), to collect its garbage before a reading. */
  inspectPort: number
}

export interface WsHoldResult {
  rssBeforeMiB: number
  rssAfterMiB: number
  /** RSS growth after a full GC in the subject, per connection. */
  bytesPerConnection: number
  /** RSS growth once it stopped moving, garbage included (what a process monitor shows), per connection. */
  settledBytesPerConnection: number
  /** Growth of the live JS heap per connection: the rest of the RSS growth is native (sockets, buffers, malloc). */
  heapBytesPerConnection: number
  /** Connections upgraded, announced and still open when released. */
  held: number
  counts: WsCounts
}

/** Resident memory of a process, bytes. */
export function rss (pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
  return Number(kb) * 1024
}

/**
 * A full garbage collection in a Node process started with --inspect=127.0.0.1:port, through
 * the DevTools protocol, then half a second for V8 to hand the freed pages back (as
 * bench/memory.ts does); returns the JS heap in use after it. Without the GC, the young
 * generation's garbage (tens of MiB at most) would move a per-connection figure by kilobytes.
 */
export async function collectGarbage (inspectPort: number): Promise<number> {
  const targets = await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json() as Array<{ webSocketDebuggerUrl: string }>
  const ws = new WebSocket(targets[0].webSocketDebuggerUrl)
  let id = 0
  const call = async (method: string): Promise<Record<string, unknown>> => {
    ws.send(JSON.stringify({ id: ++id, method }))
    const deadline = Date.now() + 30_000
    for (;;) {
      const reply = JSON.parse(String((await once(ws, 'message'))[0])) as { id?: number, result?: Record<string, unknown> }
      if (reply.id === id) return reply.result ?? {}
      if (Date.now() > deadline) throw new Error(`the inspector did not answer ${method}`)
    }
  }
  try {
    await once(ws, 'open')
    await call('HeapProfiler.collectGarbage')
    await call('HeapProfiler.collectGarbage')
    await sleep(500)
    return Number((await call('Runtime.getHeapUsage')).usedSize)
  } finally {
    ws.close()
  }
}

/** Waits until the process's RSS has stopped moving (under 0.5 % over 2 s), 3 to 20 s. */
async function settledRss (pid: number): Promise<number> {
  const readings: number[] = []
  for (let i = 0; i < 40; i++) {
    readings.push(rss(pid))
    const back = readings[readings.length - 5]
    if (i >= 6 && back !== undefined && Math.abs(readings[readings.length - 1] - back) < 0.005 * back) break
    await sleep(500)
  }
  return readings[readings.length - 1]
}

/**
 * Memory per idle connection: `connections` peers connect, announce once each (with offers) and
 * go silent; the subject's RSS growth over the baseline (`warm` such peers already there),
 * divided by the connections.
 */
export async function wsHold (port: number, pid: number, hashes: string[], options: WsHoldOptions): Promise<WsHoldResult> {
  const worker = new LoadWorker({ mode: 'hold', port, hashes, worker: 0, perConnection: 1, window: 1, warmup: 0, seconds: 0, ...options })
  try {
    await worker.next('baseline', 120_000)
    const settledBefore = await settledRss(pid)
    const heapBefore = await collectGarbage(options.inspectPort)
    const before = rss(pid)
    worker.go()
    const held = await worker.next('held', 300_000)
    const settledAfter = await settledRss(pid)
    const heapAfter = await collectGarbage(options.inspectPort)
    const after = rss(pid)
    worker.go()
    const { counts } = await worker.next('released', 30_000)
    return {
      rssBeforeMiB: Math.round(10 * before / 2 ** 20) / 10,
      rssAfterMiB: Math.round(10 * after / 2 ** 20) / 10,
      bytesPerConnection: Math.round((after - before) / options.connections),
      settledBytesPerConnection: Math.round((settledAfter - settledBefore) / options.connections),
      heapBytesPerConnection: Math.round((heapAfter - heapBefore) / options.connections),
      held: held.counts.connected - counts.closes,
      counts
    }
  } finally {
    await worker.stop()
  }
}
