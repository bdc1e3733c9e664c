import type { FastifyInstance } from 'fastify'

/** Prometheus scrape endpoint; readable by the same callers as /stats. */
export default async function metricsRoute (fastify: FastifyInstance): Promise<void> {
  const { registry } = fastify.metrics
  fastify.get('/metrics', { config: { public: true } }, async (_request, reply) => {
    reply.type(registry.contentType)
    return await registry.metrics()
  })
}
