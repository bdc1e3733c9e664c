import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'

const params = Type.Object({
  info_hash: Type.String({ pattern: '^[0-9a-fA-F]{40}$', description: 'the torrent\'s info hash, in hex' })
})

/** Unregisters a torrent: with TRACKER_ACCESS=whitelist it is refused from then on. */
export default async function removeTorrentRoute (fastify: FastifyInstance): Promise<void> {
  fastify.delete<{ Params: Static<typeof params> }>('/torrents/:info_hash', { schema: { params } }, async (request, reply) => {
    const infoHash = request.params.info_hash.toLowerCase()
    if (!await fastify.peers.remove(infoHash)) return await reply.notFound(`no torrent ${infoHash}`)
    return { status: 'removed', info_hash: infoHash }
  })
}
