import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'

const querystring = Type.Object({
  limit: Type.Integer({ minimum: 0, maximum: 1000, default: 100 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
  info_hash: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{40}$' }))
})

export default async function statsRoute (fastify: FastifyInstance): Promise<void> {
  fastify.get<{ Querystring: Static<typeof querystring> }>('/stats', { schema: { querystring }, config: { public: true } }, async (request) => {
    const { limit, offset, info_hash: hash } = request.query
    const totals = await fastify.peers.totals()
    const page = await fastify.peers.list({ limit, offset, infoHash: hash?.toLowerCase() })
    const browsers = await fastify.webSocketCounts(page.torrents.map(t => Buffer.from(t.info_hash, 'hex')))
    return {
      totals: { ...totals, seeder_leecher_ratio: totals.leechers === 0 ? null : totals.seeders / totals.leechers },
      requests: fastify.requestCounts,
      websocket: fastify.webSocketTotals(),
      total: page.total,
      limit,
      offset,
      // WebSocket peers are counted with the torrent's store peers.
      torrents: page.torrents.map((t, i) => {
        const ws = browsers[i]
        return ws.complete + ws.incomplete === 0 ? t : { ...t, complete: t.complete + ws.complete, incomplete: t.incomplete + ws.incomplete }
      })
    }
  })
}
