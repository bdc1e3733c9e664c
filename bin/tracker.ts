import cluster from 'node:cluster'
import { ConfigError, loadConfig } from '../plugins/config.ts'
import { EXIT_CONFIG } from './exit-codes.ts'
import { superviseWorkers, workerCount } from './workers.ts'

/**
 * Production entry point (systemd runs this). Exit status: 0 after a graceful stop (SIGTERM,
 * SIGINT, POST /shutdown: no new connections, final save); 1 when the stop fails or outlasts
 * TRACKER_SHUTDOWN_TIMEOUT, when the tracker cannot listen or reach its shared store, or after
 * an uncaught exception or unhandled rejection (a final save is attempted first); 2 for a
 * configuration mistake, which the systemd unit does not restart (RestartPreventExitStatus=2).
 * With TRACKER_WORKERS > 1 this process supervises that many workers, each running the
 * tracker, and exits as they do.
 */
let workers = 1
let reloads = false
if (cluster.isPrimary) {
  try {
    const config = loadConfig(process.env, true)
    workers = workerCount(config.TRACKER_WORKERS)
    reloads = config.TRACKER_WHITELIST_FILE !== ''
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    process.stderr.write(`tracker: ${err.message}\n`)
    process.exit(EXIT_CONFIG)
  }
}
if (workers > 1) superviseWorkers(workers, line => process.stderr.write(`tracker: ${line}\n`), reloads)
else await import('./serve.ts')
