import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { onErrorHookHandler, onResponseHookHandler, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { Gauge, Histogram, Registry } from 'prom-client'
import { registerCollectors } from './metrics-collectors.ts'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: {
      /** This app's own registry: several apps in one process must not share prom-client's global one. */
      registry: Registry
      /** Announce handling time in seconds, by protocol; front ends observe their own. */
      announceDuration: Histogram<'protocol'>
    }
  }
}

type TrackerAction = 'announce' | 'scrape'

/**
 * The tracker routes are known by path: hooks are attached to these routes alone, so the
 * admin API and the 404 handler pay nothing and the hot path gains one callback per announce.
 */
const trackerPaths: Record<string, TrackerAction> = { '/announce': 'announce', '/': 'announce', '/scrape': 'scrape' }

/**
 * Prometheus metrics for GET /metrics. Request counts and swarm sizes are read when scraped
 * (collect callbacks over `requestCounts` and the store), so serving requests costs nothing
 * extra; only announce latency and HTTP failures need hooks.
 */
export default fp(async (fastify) => {
  const registry = new Registry()
  const registers = [registry]
  // Failures by action: the tracker's error handler counts them all together.
  const httpFailures: Record<TrackerAction, number> = { announce: 0, scrape: 0 }

  const announceDuration = new Histogram({
    name: 'tracker_announce_duration_seconds',
    help: 'Time to answer an announce, from request received to response written.',
    labelNames: ['protocol'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers
  })
  // Zeroed so the series exists before the first announce.
  announceDuration.zero({ protocol: 'http' })
  const observeHttp = announceDuration.labels('http')

  registerCollectors(fastify, registers, httpFailures)

  // The loop's delay histogram is read and restarted at each scrape: the figures cover the interval since the previous one.
  const loop = monitorEventLoopDelay({ resolution: 10 })
  loop.enable()
  // eslint-disable-next-line no-new
  new Gauge({
    name: 'tracker_event_loop_lag_seconds',
    help: 'Event-loop delay since the previous scrape: mean, 99th percentile and max.',
    labelNames: ['stat'] as const,
    registers,
    collect () {
      const empty = loop.count === 0
      this.set({ stat: 'mean' }, empty ? 0 : loop.mean / 1e9)
      this.set({ stat: 'p99' }, empty ? 0 : loop.percentile(99) / 1e9)
      this.set({ stat: 'max' }, empty ? 0 : loop.max / 1e9)
      loop.reset()
    }
  })

  const onAnnounceResponse: onResponseHookHandler = (_request, reply, done) => {
    observeHttp.observe(reply.elapsedTime / 1000)
    done()
  }
  let announceRoutes = 0
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const action = trackerPaths[route.url]
    if (action === undefined || !(route.method === 'GET' || (Array.isArray(route.method) && route.method.includes('GET')))) return
    const onError: onErrorHookHandler = (_request, _reply, _error, done) => {
      httpFailures[action]++
      done()
    }
    route.onError = [...hookList(route.onError), onError]
    if (action === 'announce') {
      route.onResponse = [...hookList(route.onResponse), onAnnounceResponse]
      announceRoutes++
    }
  })
  fastify.addHook('onReady', async () => {
    if (announceRoutes === 0) fastify.log.warn('metrics: no announce route seen; register the metrics plugin before the tracker routes')
  })
  fastify.addHook('onClose', async () => loop.disable())

  fastify.decorate('metrics', { registry, announceDuration })
}, { name: 'metrics', dependencies: ['request-counters', 'peer-store', 'persistence', 'websocket'] })

function hookList<T> (hooks: T | T[] | undefined): T[] {
  if (hooks === undefined) return []
  return Array.isArray(hooks) ? hooks : [hooks]
}
