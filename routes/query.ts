import { parse } from 'node:querystring'
import type { FastifyRequest, onRequestHookHandler } from 'fastify'

/** The raw query string: Fastify's parsed query is not byte-safe for binary parameters. */
export function rawQuery (request: FastifyRequest): string {
  const url = request.raw.url ?? ''
  const at = url.indexOf('?')
  return at === -1 ? '' : url.slice(at + 1)
}

/**
 * Fills `request.query` for a route that takes query parameters: the server leaves it empty
 * (see the router options in plugins/app.ts). Runs before validation, which then checks it.
 */
export const parsedQuery: onRequestHookHandler = (request, _reply, done) => {
  request.query = parse(rawQuery(request))
  done()
}
