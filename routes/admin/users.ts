import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { Users } from '../../lib/access/users.ts'

const createBody = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 200, description: 'a label for the member' })),
  expires_in: Type.Optional(Type.Integer({ minimum: 1, description: 'seconds until the passkey expires; none: it does not' }))
}, { additionalProperties: false })
const idParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{16}$' }) })
const topQuery = Type.Object({
  by: Type.Union([Type.Literal('uploaded'), Type.Literal('downloaded'), Type.Literal('completed')], { default: 'uploaded' }),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 10 })
})

/**
 * A private tracker's members (TRACKER_ACCESS=private): passkeys are created, rotated and
 * revoked here, and shown only in the answer that made them; figures are per member and per
 * member and torrent.
 */
export default async function usersRoutes (fastify: FastifyInstance, { users }: { users: Users }): Promise<void> {
  const announcePath = (passkey: string): string => `/announce/${passkey}`

  fastify.post<{ Body: Static<typeof createBody> }>('/users', { schema: { body: createBody } }, async (request, reply) => {
    const { name = '', expires_in: expiresIn } = request.body
    const { user, passkey } = users.create(name, expiresIn === undefined ? null : users.now() + expiresIn)
    return await reply.code(201).send({ ...user, passkey, announce_path: announcePath(passkey) })
  })

  fastify.get('/users', async () => ({ users: users.list() }))

  fastify.get<{ Querystring: Static<typeof topQuery> }>('/users/top', { schema: { querystring: topQuery } }, async (request) => {
    return { by: request.query.by, users: users.top(request.query.by, request.query.limit) }
  })

  fastify.get<{ Params: Static<typeof idParams> }>('/users/:id', { schema: { params: idParams } }, async (request, reply) => {
    const user = users.get(request.params.id)
    return user === null ? await reply.notFound(`no user ${request.params.id}`) : user
  })

  fastify.post<{ Params: Static<typeof idParams> }>('/users/:id/rotate', { schema: { params: idParams } }, async (request, reply) => {
    const passkey = users.rotate(request.params.id)
    if (passkey === null) return await reply.notFound(`no user ${request.params.id}`)
    return { id: request.params.id, passkey, announce_path: announcePath(passkey) }
  })

  fastify.delete<{ Params: Static<typeof idParams> }>('/users/:id', { schema: { params: idParams } }, async (request, reply) => {
    if (!users.revoke(request.params.id)) return await reply.notFound(`no user ${request.params.id}`)
    return { status: 'revoked', id: request.params.id }
  })
}
