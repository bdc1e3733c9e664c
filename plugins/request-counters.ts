import fp from 'fastify-plugin'
import { FailureReasons } from '../lib/dashboard/failure-reasons.ts'

/**
 * Requests served, by protocol and action: plain counters the hot paths bump without
 * allocation; /stats, /metrics and the dashboard read them.
 */
export interface RequestCounters {
  http: { announce: number, scrape: number, failure: number }
  udp: { connect: number, announce: number, scrape: number, announceFailure: number, scrapeFailure: number, error: number, malformed: number }
  /** WebSocket (WebTorrent) messages: announces, scrapes, and those answered with a failure. */
  ws: { announce: number, scrape: number, failure: number }
}

declare module 'fastify' {
  interface FastifyInstance {
    requestCounts: RequestCounters
    /** Refusals by the reason clients were told (HTTP, UDP and WebSocket together). */
    failureReasons: FailureReasons
  }
}

export default fp(async (fastify) => {
  const counts: RequestCounters = {
    http: { announce: 0, scrape: 0, failure: 0 },
    udp: { connect: 0, announce: 0, scrape: 0, announceFailure: 0, scrapeFailure: 0, error: 0, malformed: 0 },
    ws: { announce: 0, scrape: 0, failure: 0 }
  }
  fastify.decorate('requestCounts', counts)
  fastify.decorate('failureReasons', new FailureReasons())
}, { name: 'request-counters' })
