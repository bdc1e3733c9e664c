import closeWithGrace from 'close-with-grace'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../app.ts'
import { ConfigError } from '../plugins/config.ts'
import { StoreStartError } from '../plugins/shared-store.ts'
import { EXIT_CONFIG } from './exit-codes.ts'

/** One tracker process: the whole tracker, or one worker of several (bin/workers.ts). */
let stopping: { close: () => void } | null = null
let app: FastifyInstance
try {
  app = await buildApp({
    dotenv: true,
    prettyLogs: process.stdout.isTTY,
    onShutdown: () => { stopping?.close() }
  })
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`tracker: ${err.message}\n`)
    process.exit(EXIT_CONFIG)
  }
  if (err instanceof StoreStartError) {
    process.stderr.write(`tracker: ${err.message}\n`)
    process.exit(1)
  }
  throw err
}

// With a whitelist file, SIGHUP re-reads it (as opentracker does) instead of stopping.
const reloads = app.config.TRACKER_WHITELIST_FILE !== ''
if (reloads) process.on('SIGHUP', () => { void app.access.reload() })
stopping = closeWithGrace({
  delay: app.config.TRACKER_SHUTDOWN_TIMEOUT * 1000,
  skip: reloads ? ['SIGHUP'] : [],
  logger: false,
  onTimeout: () => app.log.error('graceful stop took too long: exiting'),
  onSecondSignal: (signal) => app.log.error({ signal }, 'second signal during the stop: exiting')
}, async ({ signal, err, manual }) => {
  if (err !== undefined) app.log.fatal({ err }, 'uncaught error: saving the state, then exiting')
  app.log.info({ why: signal ?? (manual === true ? 'POST /shutdown' : err !== undefined ? 'error' : 'exit') }, 'stopping')
  try {
    await app.close()
  } catch (closeErr) {
    app.log.error({ err: closeErr }, 'stop failed')
    throw closeErr
  }
})

try {
  await app.listen({ host: app.config.TRACKER_IP, port: app.config.TRACKER_PORT })
  // A UDP port that cannot be bound is as fatal as an HTTP one.
  await app.udpAddress()
} catch (err) {
  app.log.fatal({ err }, 'cannot listen')
  process.exit(1)
}
