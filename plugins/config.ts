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
    // The same schema object each time, so Ajv compiles it once per process (env-schema sets
    // its additionalProperties to false, as it already is).
    config = envSchema<TrackerConfig>({ schema: configSchema, data: env, env: false, dotenv })
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
  if (config.TRACKER_STORE === 'redis' && config.TRACKER_HASH_SIMILARITY_THRESHOLD > 0 && config.TRACKER_HASH_SIMILARITY_THRESHOLD <= 14 / 15) {
    throw new ConfigError('invalid configuration: with TRACKER_STORE=redis, TRACKER_HASH_SIMILARITY_THRESHOLD must be 0 (off) or above 0.9333 (all 15 compared digits equal, the default 0.95)')
  }
  if (config.TRACKER_STORE === 'redis' && config.TRACKER_ACCESS === 'private') {
    throw new ConfigError('invalid configuration: TRACKER_ACCESS=private keeps its members in this process and cannot be shared yet: use TRACKER_STORE=memory')
  }
  if (config.TRACKER_STORE === 'memory' && config.TRACKER_WORKERS !== '1') {
    throw new ConfigError('invalid configuration: TRACKER_WORKERS above 1 needs TRACKER_STORE=redis (each worker would keep swarms of its own)')
  }
  return config
}

/** A TRACKER_* variable the tracker does not read, and the real one it is most likely meant to be. */
export interface UnknownVariable {
  name: string
  closest: string | null
}

/**
 * The TRACKER_* variables of `env` that are not settings: a misspelt name would otherwise be
 * ignored without a word, and the default used in its place. Client-side variables of
 * bin/add-torrent (TRACKER_URL) are known too.
 */
export function unknownVariables (env: Record<string, string | undefined>): UnknownVariable[] {
  const known = Object.keys(configSchema.properties)
  const others = new Set(['TRACKER_URL'])
  return Object.keys(env)
    .filter(name => name.startsWith('TRACKER_') && !known.includes(name) && !others.has(name))
    .map(name => ({ name, closest: closest(name, known) }))
}

/** The known name fewest single-character edits away, if it is near enough to be a typo. */
function closest (name: string, known: string[]): string | null {
  let best: string | null = null
  let bestDistance = Infinity
  for (const candidate of known) {
    const d = editDistance(name, candidate)
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : null
}

function editDistance (a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = row
  }
  return previous[b.length]
}

export default fp<{ config: TrackerConfig }>(async (fastify, opts) => {
  fastify.decorate('config', opts.config)
}, { name: 'config' })
