import { createHash, timingSafeEqual } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify'
import type {} from '@fastify/sensible'
import { isLoopback } from '../../lib/bittorrent/ip-address.ts'
import addTorrentInfo from './add-torrent-info.ts'
import dashboard from './dashboard.ts'
import health from './health.ts'
import metrics from './metrics.ts'
import removeTorrent from './remove-torrent.ts'
import saveState from './save-state.ts'
import shutdown from './shutdown.ts'
import stats from './stats.ts'
import users from './users.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** true: readable by anyone while TRACKER_STATS_PUBLIC is on; 'always': whatever it says. */
    public?: boolean | 'always'
    /** Not logged at info: the dashboard polls every few seconds. */
    quietLog?: boolean
  }
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest()

/**
 * The operator's JSON routes, never open to the world: with TRACKER_ADMIN_TOKEN set they want
 * `Authorization: Bearer <token>`; without it they answer only direct loopback connections
 * (a request that went through a proxy carries forwarding headers and is refused).
 */
export default async function adminRoutes (fastify: FastifyInstance, opts: { onShutdown: () => void }): Promise<void> {
  const { config } = fastify
  const token = config.TRACKER_ADMIN_TOKEN === '' ? null : digest(config.TRACKER_ADMIN_TOKEN)

  fastify.addHook('onRequest', async (request, reply) => {
    const access = request.routeOptions.config.public
    if (access === 'always' || (access === true && config.TRACKER_STATS_PUBLIC)) return
    if (token !== null) {
      const header = request.headers.authorization ?? ''
      // The scheme name is case-insensitive (RFC 7235); the token is compared exactly.
      const given = header.length > 7 && header.slice(0, 7).toLowerCase() === 'bearer ' ? digest(header.slice(7)) : null
      // Comparing digests keeps the comparison constant-time whatever the lengths.
      if (given === null || !timingSafeEqual(given, token)) {
        return await reply.unauthorized('a valid "Authorization: Bearer <token>" header is required')
      }
      return
    }
    if (!isDirectLoopback(request)) {
      return await reply.forbidden('admin routes answer loopback connections only (set TRACKER_ADMIN_TOKEN to allow others)')
    }
  })

  fastify.addHook('onResponse', async (request, reply) => {
    if (request.routeOptions.config.quietLog === true && reply.statusCode < 400) return
    request.log.info({ method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'admin request')
  })

  fastify.setErrorHandler((err: FastifyError, request, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 ? err.statusCode : 500
    if (status >= 500) request.log.error({ err }, 'admin request failed')
    return reply.code(status).send({
      error: STATUS_CODES[status] ?? 'Error',
      message: status >= 500 ? 'internal error' : describe(err)
    })
  })

  await fastify.register(addTorrentInfo)
  await fastify.register(removeTorrent)
  if (fastify.access.users !== null) await fastify.register(users, { users: fastify.access.users })
  await fastify.register(stats)
  await fastify.register(metrics)
  await fastify.register(health)
  await fastify.register(dashboard)
  await fastify.register(saveState)
  await fastify.register(shutdown, { onShutdown: opts.onShutdown })
}

/** Ajv says "must NOT have additional properties" without naming one; name it. */
function describe (err: FastifyError): string {
  const extra = err.validation?.find(v => v.keyword === 'additionalProperties')
  if (extra !== undefined) return `${err.validationContext ?? 'body'} has an unknown property "${String(extra.params.additionalProperty)}"`
  return err.message
}

function isDirectLoopback (request: FastifyRequest): boolean {
  const h = request.headers
  if (h['x-forwarded-for'] !== undefined || h['x-real-ip'] !== undefined || h.forwarded !== undefined) return false
  return isLoopback(request.raw.socket.remoteAddress)
}
