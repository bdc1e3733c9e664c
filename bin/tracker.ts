import type { FastifyInstance } from 'fastify'
import { buildApp } from '../app.ts'
import { ConfigError } from '../plugins/config.ts'

/**
 * Production entry point (systemd runs this): listens, and on SIGINT, SIGTERM or
 * POST /shutdown stops accepting, saves the state and exits 0. Exits 1 if the stop takes
 * longer than TRACKER_SHUTDOWN_TIMEOUT, 2 for a configuration mistake.
 */
let app: FastifyInstance
try {
  app = await buildApp({
    dotenv: true,
    prettyLogs: process.stdout.isTTY,
    onShutdown: () => { void stop('POST /shutdown') }
  })
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`tracker: ${err.message}\n`)
    process.exit(2)
  }
  throw err
}

let stopping = false
async function stop (why: string): Promise<void> {
  if (stopping) return
  stopping = true
  app.log.info({ why }, 'stopping')
  const limit = setTimeout(() => {
    app.log.error('graceful stop took too long: exiting')
    process.exit(1)
  }, app.config.TRACKER_SHUTDOWN_TIMEOUT * 1000)
  limit.unref()
  try {
    await app.close()
    process.exit(0)
  } catch (err) {
    app.log.error({ err }, 'stop failed')
    process.exit(1)
  }
}

process.on('SIGINT', () => { void stop('SIGINT') })
process.on('SIGTERM', () => { void stop('SIGTERM') })

try {
  await app.listen({ host: app.config.TRACKER_IP, port: app.config.TRACKER_PORT })
  // A UDP port that cannot be bound is as fatal as an HTTP one.
  await app.udpAddress()
} catch (err) {
  app.log.fatal({ err }, 'cannot listen')
  process.exit(1)
}
