import { Worker } from 'node:worker_threads'
import { fileURLToPath, pathToFileURL } from 'node:url'

const worker = fileURLToPath(new URL('udp-load-worker.ts', import.meta.url))

export interface UdpLoadResult {
  rps: number
  peersPerReply: number
  errors: number
}

/** UDP announces from `workers` threads for `seconds`; bounded by the workers' own timers. */
export async function udpLoad (port: number, seconds: number, hashes: string[], workers = 2, window = 64, peersPerTorrent = 50): Promise<UdpLoadResult> {
  const results = await Promise.all(Array.from({ length: workers }, async (_, i) => await new Promise<{ replies: number, peers: number, errors: number }>((resolve, reject) => {
    // Workers cannot start from a .ts file directly: register tsx in the worker, then import it.
    const boot = `import('tsx/esm/api').then(m => { m.register(); return import(${JSON.stringify(pathToFileURL(worker).href)}) })`
    const w = new Worker(boot, { eval: true, workerData: { port, seconds, window, hashes, worker: i, peersPerTorrent } })
    w.once('message', resolve)
    w.once('error', reject)
    setTimeout(() => { void w.terminate(); reject(new Error('UDP worker did not finish')) }, (seconds + 20) * 1000).unref()
  })))
  const replies = results.reduce((a, r) => a + r.replies, 0)
  const peers = results.reduce((a, r) => a + r.peers, 0)
  return { rps: replies / seconds, peersPerReply: replies === 0 ? 0 : peers / replies, errors: results.reduce((a, r) => a + r.errors, 0) }
}
