import type { FastifyInstance, FastifyReply } from 'fastify'

export default async function saveStateRoute (fastify: FastifyInstance): Promise<void> {
  const handler = async (_: unknown, reply: FastifyReply): Promise<object> => {
    try {
      const r = await fastify.state.save()
      return { saved: true, file: r.file, bytes: r.bytes, torrents: r.torrents, peers: r.peers, duration_ms: r.durationMs, saved_at: r.savedAt }
    } catch (err) {
      // The operator needs the reason (a full disk, a permission) more than a generic 500.
      return await reply.code(500).send({ error: 'Internal Server Error', message: `state save failed: ${(err as Error).message}` })
    }
  }
  fastify.get('/save_state', handler)
  fastify.post('/save_state', handler)
}
