import type { FastifyInstance, FastifyRequest } from 'fastify'

/**
 * Answers first, then stops gracefully (no new connections, final save, exit). The stop is
 * armed by the handler, which runs only for an authorised request: a route-level `onResponse`
 * hook would also fire after the auth hook's 401 or 403, and let anyone stop the tracker.
 */
export default async function shutdownRoute (fastify: FastifyInstance, opts: { onShutdown: () => void }): Promise<void> {
  const accepted = new WeakSet<FastifyRequest>()
  fastify.post('/shutdown', {
    onResponse: async (request) => {
      if (accepted.has(request)) setImmediate(opts.onShutdown)
    }
  }, async (request) => {
    accepted.add(request)
    return { status: 'shutting down' }
  })
}
