import type { FastifyRequest } from 'fastify'

/** The raw query string: Fastify's parsed query is not byte-safe for binary parameters. */
export function rawQuery (request: FastifyRequest): string {
  const url = request.raw.url ?? ''
  const at = url.indexOf('?')
  return at === -1 ? '' : url.slice(at + 1)
}
