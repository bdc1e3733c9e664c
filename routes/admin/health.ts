import type { FastifyInstance } from 'fastify'

/**
 * For load balancers and monitors, which cannot be given the admin token: always public, so
 * it says nothing an outsider could use (no paths, no error text; the log has those).
 * Unhealthy while the state cannot be saved (a restart would lose every swarm) or the shared
 * store cannot be reached (a balancer then drains this instance). A tracker
 * that is shutting down answers 503 before reaching here (Fastify's return503OnClosing).
 */
export default async function healthRoute (fastify: FastifyInstance): Promise<void> {
  const { status } = fastify.state
  const started = Date.now()
  fastify.get('/health', { config: { public: 'always' } }, async (_request, reply) => {
    const problem = fastify.storeProblem() ?? (status.blocked !== null
      ? 'saving is blocked: it would replace a state file that could not be kept aside'
      : status.lastError !== null ? 'the last state save failed' : null)
    return await reply.code(problem === null ? 200 : 503).send({
      status: problem === null ? 'ok' : 'failing',
      ...(problem === null ? {} : { reason: problem }),
      uptime_seconds: Math.round((Date.now() - started) / 1000),
      last_save: status.lastSave?.savedAt ?? null
    })
  })
}
