import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'

const body = Type.Object({
  info_hash: Type.String({ pattern: '^[0-9a-fA-F]{40}$', description: 'v1 info hash, or a v2 hash truncated to 20 bytes, in hex' }),
  name: Type.Optional(Type.String({ maxLength: 4096 })),
  size: Type.Optional(Type.Integer({ minimum: 0 })),
  piece_length: Type.Optional(Type.Integer({ minimum: 0 })),
  comment: Type.Optional(Type.String({ maxLength: 65536 })),
  created_by: Type.Optional(Type.String({ maxLength: 4096 })),
  creation_date: Type.Optional(Type.Integer({ minimum: 0 })),
  private: Type.Optional(Type.Boolean())
}, { additionalProperties: false })

export default async function addTorrentInfoRoute (fastify: FastifyInstance): Promise<void> {
  fastify.post<{ Body: Static<typeof body> }>('/add_torrent_info', { schema: { body } }, async (request) => {
    const { info_hash: hash, ...info } = request.body
    const infoHash = hash.toLowerCase()
    const status = await fastify.peers.setInfo(infoHash, info)
    const [stored] = (await fastify.peers.list({ infoHash, limit: 1, offset: 0 })).torrents
    return { status, info_hash: infoHash, info: stored.info }
  })
}
