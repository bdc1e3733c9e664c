import fp from 'fastify-plugin'

/**
 * Requests served, by protocol and action: plain counters the hot paths bump without
 * allocation; /stats and /metrics read them.
 */
export interface RequestCounters {
  http: { announce: number, scrape: number, failure: number }
  udp: { connect: number, announce: number, scrape: number, announceFailure: number, scrapeFailure: number, error: number, malformed: number }
}

declare module 'fastify' {
  interface FastifyInstance {
    requestCounts: RequestCounters
  }
}

export default fp(async (fastify) => {
  const counts: RequestCounters = {
    http: { announce: 0, scrape: 0, failure: 0 },
    udp: { connect: 0, announce: 0, scrape: 0, announceFailure: 0, scrapeFailure: 0, error: 0, malformed: 0 }
  }
  fastify.decorate('requestCounts', counts)
}, { name: 'request-counters' })
