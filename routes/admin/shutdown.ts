import type { FastifyInstance } from 'fastify'

/** Answers first, then stops gracefully (no new connections, final save, exit). */
export default async function shutdownRoute (fastify: FastifyInstance, opts: { onShutdown: () => void }): Promise<void> {
  fastify.post('/shutdown', {
    onResponse: async () => { setImmediate(opts.onShutdown) }
  }, async () => ({ status: 'shutting down' }))
}
