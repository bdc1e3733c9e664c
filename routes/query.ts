import { parse } from 'node:querystring'
import type { FastifyRequest, onRequestHookHandler, RouteOptions } from 'fastify'

/** The raw query string: Fastify's parsed query is not byte-safe for binary parameters. */
export function rawQuery (request: FastifyRequest): string {
  const url = request.raw.url ?? ''
  const at = url.indexOf('?')
  return at === -1 ? '' : url.slice(at + 1)
}

/**
 * An onRoute hook: a route whose schema declares query parameters gets them parsed, before
 * validation checks them. The router leaves queries unparsed (see app.ts): the tracker
 * routes read the raw string, and an object of every announce's parameters would be waste.
 */
export function parseDeclaredQuery (route: RouteOptions): void {
  if (route.schema?.querystring === undefined) return
  const hooks = route.onRequest
  route.onRequest = [parsedQuery, ...(hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks])]
}

const parsedQuery: onRequestHookHandler = (request, _reply, done) => {
  request.query = parse(rawQuery(request))
  done()
}
