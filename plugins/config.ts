import envSchema from 'env-schema'
import { isIP } from 'node:net'
import fp from 'fastify-plugin'
import { configSchema, type TrackerConfig } from './config-schema.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: TrackerConfig
  }
}

/** A configuration mistake: reported as one line naming the variable, without a stack trace. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

/**
 * Reads and validates the configuration. `env` replaces process.env (tests pass their own and
 * never read `.env`); `dotenv` reads `.env` when present.
 */
export function loadConfig (env: Record<string, string | undefined>, dotenv: boolean): TrackerConfig {
  let config: TrackerConfig
  try {
    config = envSchema<TrackerConfig>({ schema: structuredClone(configSchema), data: env, env: false, dotenv })
  } catch (err) {
    const message = (err as Error).message.replace(/(^|, )env\//g, '$1')
    throw new ConfigError(`invalid configuration: ${message}`)
  }
  if (isIP(config.TRACKER_IP) === 0) {
    throw new ConfigError(`invalid configuration: TRACKER_IP must be an IP address, got "${config.TRACKER_IP}"`)
  }
  if (config.TRACKER_MIN_INTERVAL > config.TRACKER_ANNOUNCE_INTERVAL) {
    throw new ConfigError('invalid configuration: TRACKER_MIN_INTERVAL must not exceed TRACKER_ANNOUNCE_INTERVAL')
  }
  if (config.TRACKER_ANNOUNCE_INTERVAL >= config.TRACKER_PEER_TIMEOUT) {
    throw new ConfigError('invalid configuration: TRACKER_ANNOUNCE_INTERVAL must be below TRACKER_PEER_TIMEOUT, or peers expire between announces')
  }
  if (config.TRACKER_HEADERS_TIMEOUT > config.TRACKER_REQUEST_TIMEOUT) {
    throw new ConfigError('invalid configuration: TRACKER_HEADERS_TIMEOUT must not exceed TRACKER_REQUEST_TIMEOUT')
  }
  return config
}

export default fp<{ config: TrackerConfig }>(async (fastify, opts) => {
  fastify.decorate('config', opts.config)
}, { name: 'config' })
