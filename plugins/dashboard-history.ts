import { monitorEventLoopDelay } from 'node:perf_hooks'
import fp from 'fastify-plugin'
import { History, ratesBetween } from '../lib/dashboard/history.ts'
import type { RequestCounters } from './request-counters.ts'

/** The charts' series: rates per second over the interval, then levels at its end. */
export const SERIES = [
  'httpAnnounce', 'httpScrape', 'udpAnnounce', 'udpScrape', 'wsAnnounce', 'wsScrape', 'failures',
  'peers', 'seeders', 'leechers', 'torrents', 'rssBytes', 'heapBytes', 'lagP99Ms', 'lagMaxMs'
] as const
export type SeriesName = typeof SERIES[number]

type Counted = 'httpAnnounce' | 'httpScrape' | 'udpAnnounce' | 'udpScrape' | 'wsAnnounce' | 'wsScrape' | 'failures'

export interface LoopLag { meanMs: number, p99Ms: number, maxMs: number }

declare module 'fastify' {
  interface FastifyInstance {
    dashboardHistory: {
      history: History<SeriesName>
      /** Milliseconds between samples. */
      sampleMs: number
      /** Event-loop delay over the last complete interval. */
      loopLag: () => LoopLag
    }
  }
}

interface Options {
  /** Milliseconds between samples (5 s); tests shorten it. */
  sampleMs?: number
  /** Seconds of history kept (an hour). */
  windowSeconds?: number
}

const LOOP_RESOLUTION_MS = 10

/**
 * The histogram records the time between its timer's ticks, the resolution included (an idle
 * loop reads about 10 ms): the lag is what exceeds it.
 */
function lagMs (nanoseconds: number): number {
  return Math.max(0, nanoseconds / 1e6 - LOOP_RESOLUTION_MS)
}

function counted (c: RequestCounters): Record<Counted, number> {
  return {
    httpAnnounce: c.http.announce,
    httpScrape: c.http.scrape,
    udpAnnounce: c.udp.announce,
    udpScrape: c.udp.scrape,
    wsAnnounce: c.ws.announce,
    wsScrape: c.ws.scrape,
    failures: c.http.failure + c.udp.announceFailure + c.udp.scrapeFailure + c.ws.failure
  }
}

/**
 * The dashboard's last hour: a timer reads the request counters the front ends already keep,
 * the store's totals and the process's figures, and appends one row to a fixed ring. Serving
 * requests costs nothing more; the store is asked for its totals once per interval (one round
 * trip with Redis).
 */
export default fp<Options>(async (fastify, { sampleMs = 5000, windowSeconds = 3600 }) => {
  const history = new History(SERIES, Math.max(2, Math.ceil(windowSeconds * 1000 / sampleMs)))
  // Its own histogram: /metrics resets the other one at every scrape.
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS })
  loop.enable()
  let lag: LoopLag = { meanMs: 0, p99Ms: 0, maxMs: 0 }
  let before = counted(fastify.requestCounts)
  let beforeAt = performance.now()
  let sampling = false

  async function sample (): Promise<void> {
    const now = performance.now()
    // The row's time is the end of the interval its rates cover, not when the store answered.
    const time = Date.now() / 1000
    const current = counted(fastify.requestCounts)
    const rates = ratesBetween(before, current, (now - beforeAt) / 1000)
    before = current
    beforeAt = now
    lag = loop.count === 0
      ? { meanMs: 0, p99Ms: 0, maxMs: 0 }
      : { meanMs: lagMs(loop.mean), p99Ms: lagMs(loop.percentile(99)), maxMs: lagMs(loop.max) }
    loop.reset()
    const memory = process.memoryUsage()
    const totals = await fastify.peers.totals()
    const r = (x: number): number => Math.round(x * 1000) / 1000
    // Rounded: the page fetches these every few seconds, and 17 digits would triple the bytes.
    history.push(r(time), {
      httpAnnounce: r(rates.httpAnnounce),
      httpScrape: r(rates.httpScrape),
      udpAnnounce: r(rates.udpAnnounce),
      udpScrape: r(rates.udpScrape),
      wsAnnounce: r(rates.wsAnnounce),
      wsScrape: r(rates.wsScrape),
      failures: r(rates.failures),
      peers: totals.peers,
      seeders: totals.seeders,
      leechers: totals.leechers,
      torrents: totals.torrents,
      rssBytes: memory.rss,
      heapBytes: memory.heapUsed,
      lagP99Ms: r(lag.p99Ms),
      lagMaxMs: r(lag.maxMs)
    })
  }

  const timer = setInterval(() => {
    // A slow store (Redis away) must not pile samples up behind it.
    if (sampling) return
    sampling = true
    sample()
      .catch((err: unknown) => fastify.log.warn({ err }, 'dashboard sample failed'))
      .finally(() => { sampling = false })
  }, sampleMs).unref()
  fastify.addHook('onClose', async () => {
    clearInterval(timer)
    loop.disable()
  })

  fastify.decorate('dashboardHistory', { history, sampleMs, loopLag: () => lag })
}, { name: 'dashboard-history', dependencies: ['request-counters', 'peer-store'] })
