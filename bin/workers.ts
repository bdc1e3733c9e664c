import cluster, { type Worker } from 'node:cluster'
import { availableParallelism } from 'node:os'

/** How many tracker processes TRACKER_WORKERS asks for. */
export function workerCount (setting: string): number {
  return setting === 'auto' ? availableParallelism() : Number(setting)
}

/**
 * The primary process of TRACKER_WORKERS > 1: forks the workers, which share the HTTP and UDP
 * ports (node:cluster hands each the same listening sockets), and supervises them. A worker
 * that fails before it serves stops everything with its exit status (a configuration mistake
 * stays 2, for systemd); one that dies later is replaced; one stopped on purpose (POST
 * /shutdown, exit 0) is not. SIGTERM or SIGINT stops every worker gracefully, then the primary
 * exits 0 if they all did.
 */
export function superviseWorkers (count: number, log: (line: string) => void, reloadOnHangup = false): void {
  let stopping = false
  let failed = 0
  const serving = new WeakSet<Worker>()

  const fork = (): void => {
    const worker = cluster.fork()
    worker.on('listening', () => serving.add(worker))
    worker.on('exit', (code, signal) => {
      const status = code ?? 1
      if (status !== 0) failed = status
      if (!stopping && !serving.has(worker) && status !== 0) {
        log(`worker ${worker.process.pid ?? ''} failed to start (exit ${status}): stopping`)
        stop()
      } else if (!stopping && status !== 0) {
        log(`worker ${worker.process.pid ?? ''} died (${signal ?? `exit ${status}`}): starting another`)
        failed = 0
        fork()
      }
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(failed)
    })
  }

  const stop = (): void => {
    if (stopping) return
    stopping = true
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM')
  }

  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  // SIGHUP: each worker re-reads the whitelist file, or without one, everything stops.
  process.on('SIGHUP', () => {
    if (!reloadOnHangup) stop()
    else for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGHUP')
  })
  for (let i = 0; i < count; i++) fork()
}
