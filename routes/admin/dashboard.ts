import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { topByPeers, type TopTorrent } from '../../lib/dashboard/top-torrents.ts'

/** Rows of the top-torrents and failure-reason tables. */
const TOP_ROWS = 10
/**
 * Torrents read to pick the top ones: one page of the store's listing, so the cost is bounded
 * whatever the tracker's size. A larger tracker's table covers the first this-many torrents,
 * and says so. The shared store answers a listing with a Redis call per torrent: fewer there.
 */
const TOP_SCAN = { memory: 20_000, redis: 2_000 }
/** The pick is reused this long: several open dashboards cost one scan. */
const TOP_TTL_MS = 15_000

/** No inline script or style, nothing from elsewhere: the page is its own files and its data. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

interface StaticFile { body: Buffer, type: string, etag: string }

const dataQuery = Type.Object({
  /** The time (seconds) of the last history row the page has: only later ones are sent. */
  since: Type.Optional(Type.Number({ minimum: 0 }))
})

const here = (name: string): string => fileURLToPath(new URL(`../../dashboard/${name}`, import.meta.url))
const uplot = (name: string): string => createRequire(import.meta.url).resolve(`uplot/dist/${name}`)

/** Served path → file; read once at start (a missing file stops the start, not a request). */
const sources: Array<{ path: string, file: string, type: string }> = [
  { path: '/dashboard', file: here('index.html'), type: 'text/html; charset=utf-8' },
  { path: '/dashboard/app.js', file: here('app.js'), type: 'text/javascript; charset=utf-8' },
  { path: '/dashboard/format.js', file: here('format.js'), type: 'text/javascript; charset=utf-8' },
  { path: '/dashboard/style.css', file: here('style.css'), type: 'text/css; charset=utf-8' },
  { path: '/dashboard/uPlot.iife.min.js', file: uplot('uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  { path: '/dashboard/uPlot.min.css', file: uplot('uPlot.min.css'), type: 'text/css; charset=utf-8' }
]

/**
 * The operator's live page. Its files hold no figure and are served to anyone (a browser cannot
 * send the admin token with a page load); the figures come from /dashboard/data under the
 * /stats rule, which the page calls with the token it asked for.
 */
export default async function dashboardRoutes (fastify: FastifyInstance): Promise<void> {
  for (const source of sources) {
    const body = readFileSync(source.file)
    const file: StaticFile = { body, type: source.type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` }
    fastify.get(source.path, { config: { public: 'always', quietLog: true } }, async (request, reply) => {
      reply.header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        // Revalidated on each load (a 304 while unchanged), so an upgraded tracker is seen at once.
        .header('cache-control', 'no-cache')
        .header('etag', file.etag)
      if (source.type.startsWith('text/html')) reply.header('content-security-policy', CSP)
      if (request.headers['if-none-match'] === file.etag) return await reply.code(304).send()
      return await reply.type(file.type).send(file.body)
    })
  }

  const { config } = fastify
  let top: { at: number, pick: Promise<{ torrents: TopTorrent[], scanned: number, total: number }> } | null = null
  const topTorrents = async (): Promise<{ torrents: TopTorrent[], scanned: number, total: number }> => {
    if (top === null || Date.now() - top.at > TOP_TTL_MS) {
      const pick = (async () => {
        const page = await fastify.peers.list({ limit: TOP_SCAN[config.TRACKER_STORE], offset: 0 })
        const picked = topByPeers(page.torrents, TOP_ROWS)
        // WebSocket peers count with the torrent's, as in /stats.
        const browsers = await fastify.webSocketCounts(picked.map(t => Buffer.from(t.infoHash, 'hex')))
        const torrents = picked.map((t, i) => ({ ...t, seeders: t.seeders + browsers[i].complete, leechers: t.leechers + browsers[i].incomplete }))
        return { torrents, scanned: page.torrents.length, total: page.total }
      })()
      top = { at: Date.now(), pick }
      // A failed pick is not kept: the next refresh tries again.
      pick.catch(() => { if (top?.pick === pick) top = null })
    }
    return await top.pick
  }

  const { history, sampleMs, loopLag } = fastify.dashboardHistory
  const { status } = fastify.state
  const started = Date.now()

  // The page's links are relative (a proxy may serve it under a prefix): they need this exact path.
  fastify.get('/dashboard/', { config: { public: 'always', quietLog: true } }, async (_request, reply) => await reply.redirect('../dashboard'))

  fastify.get<{ Querystring: Static<typeof dataQuery> }>('/dashboard/data', { schema: { querystring: dataQuery }, config: { public: true, quietLog: true } }, async (request, reply) => {
    const [totals, topPick, instances] = await Promise.all([fastify.peers.totals(), topTorrents(), fastify.liveInstances()])
    const memory = process.memoryUsage()
    const now = Date.now()
    const last = status.lastSave
    reply.header('cache-control', 'no-store')
    return {
      now,
      sampleSeconds: sampleMs / 1000,
      // A page that sees another start time drops the history it has: it is another process's.
      startedAt: started,
      uptimeSeconds: (now - started) / 1000,
      totals: { torrents: totals.torrents, peers: totals.peers, seeders: totals.seeders, leechers: totals.leechers, completed: totals.completed },
      websocket: config.TRACKER_WEBSOCKET ? fastify.webSocketTotals() : null,
      requests: fastify.requestCounts,
      history: { rows: history.capacity, ...history.series(request.query.since) },
      failures: { total: fastify.failureReasons.total, reasons: fastify.failureReasons.top(TOP_ROWS) },
      process: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, heapTotalBytes: memory.heapTotal, lag: loopLag() },
      // No path nor error text: like /health, this may be public, and the log has them.
      save: {
        intervalSeconds: config.TRACKER_SAVE_INTERVAL,
        shared: config.TRACKER_STORE === 'redis',
        result: status.blocked !== null ? 'blocked' : status.lastError !== null ? 'failed' : last === null ? 'none' : 'ok',
        last: last === null
          ? null
          : { ageSeconds: (now - Date.parse(last.savedAt)) / 1000, durationMs: last.durationMs, bytes: last.bytes, torrents: last.torrents, peers: last.peers }
      },
      top: topPick,
      store: config.TRACKER_STORE,
      storeProblem: fastify.storeProblem(),
      // Host names only to callers the admin rule let in, not to the world.
      instances: instances.map(i => ({
        id: i.id,
        leader: i.leader,
        seenSecondsAgo: Math.max(0, (now - i.seenAt) / 1000),
        uptimeSeconds: Math.max(0, (now - Date.parse(i.startedAt)) / 1000),
        ...(config.TRACKER_STATS_PUBLIC ? {} : { host: i.host, pid: i.pid })
      }))
    }
  })
}
