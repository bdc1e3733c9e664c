import closeWithGrace from 'close-with-grace'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../app.ts'
import { ConfigError } from '../plugins/config.ts'

/**
 * Production entry point (systemd runs this). Exit status: 0 after a graceful stop (SIGTERM,
 * SIGINT, POST /shutdown: no new connections, final save); 1 when the stop fails or outlasts
 * TRACKER_SHUTDOWN_TIMEOUT, when the tracker cannot listen, or after an uncaught exception or
 * unhandled rejection (a final save is attempted first); 2 for a configuration mistake, which
 * the systemd unit does not restart (RestartPreventExitStatus=2).
 */
const EXIT_CONFIG = 2

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
  throw err
}

stopping = closeWithGrace({
  delay: app.config.TRACKER_SHUTDOWN_TIMEOUT * 1000,
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
