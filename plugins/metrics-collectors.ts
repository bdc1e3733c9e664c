import type { FastifyInstance } from 'fastify'
import { Counter, Gauge, type Registry } from 'prom-client'
import type { Totals } from '../lib/store/peer-store.ts'
import type { RequestCounters } from './request-counters.ts'

type Row = [protocol: 'http' | 'udp', action: 'connect' | 'announce' | 'scrape', result: 'ok' | 'failure', value: number]

/**
 * Requests by protocol, action and result, from the plain counters the front ends bump. Both
 * count every request and, apart, its failures by action, so ok is the difference. UDP packets
 * that carry no valid action are not requests: /stats counts them as malformed.
 */
export function requestRows (counts: RequestCounters, httpFailures: { announce: number, scrape: number }): Row[] {
  const { http, udp } = counts
  return [
    ['http', 'announce', 'ok', Math.max(0, http.announce - httpFailures.announce)],
    ['http', 'announce', 'failure', httpFailures.announce],
    ['http', 'scrape', 'ok', Math.max(0, http.scrape - httpFailures.scrape)],
    ['http', 'scrape', 'failure', httpFailures.scrape],
    ['udp', 'connect', 'ok', udp.connect],
    ['udp', 'announce', 'ok', udp.announce - udp.announceFailure],
    ['udp', 'announce', 'failure', udp.announceFailure],
    ['udp', 'scrape', 'ok', udp.scrape - udp.scrapeFailure],
    ['udp', 'scrape', 'failure', udp.scrapeFailure]
  ]
}

/**
 * The metrics read at scrape time: request counts, swarm totals, state saving and the process.
 * Nothing here runs while requests are served.
 */
export function registerCollectors (fastify: FastifyInstance, registers: Registry[], httpFailures: { announce: number, scrape: number }): void {
  // eslint-disable-next-line no-new
  new Counter({
    name: 'tracker_requests_total',
    help: 'Tracker requests answered, by protocol, action and result.',
    labelNames: ['protocol', 'action', 'result'] as const,
    registers,
    collect () {
      this.reset()
      for (const [protocol, action, result, value] of requestRows(fastify.requestCounts, httpFailures)) {
        this.inc({ protocol, action, result }, value)
      }
    }
  })

  // Each gauge reads the totals itself: gauges are collected concurrently, so one cannot set another.
  const swarmGauge = (name: string, help: string, key: keyof Totals): void => {
    // eslint-disable-next-line no-new
    new Gauge({ name, help, registers, async collect () { this.set((await fastify.peers.totals())[key]) } })
  }
  swarmGauge('tracker_torrents', 'Torrents tracked.', 'torrents')
  swarmGauge('tracker_peers', 'Peers in all swarms.', 'peers')
  swarmGauge('tracker_seeders', 'Peers with the whole torrent.', 'seeders')
  swarmGauge('tracker_leechers', 'Peers still downloading.', 'leechers')
  // Restored from the state file and lowered when torrents go: a gauge, not a counter.
  swarmGauge('tracker_completed', 'Completed downloads recorded over all tracked torrents.', 'completed')

  const webSocketGauge = (name: string, help: string, key: 'connections' | 'peers' | 'torrents'): void => {
    // eslint-disable-next-line no-new
    new Gauge({ name, help, registers, collect () { this.set(fastify.webSocketTotals()[key]) } })
  }
  webSocketGauge('tracker_websocket_connections', 'Open WebSocket (WebTorrent) connections.', 'connections')
  webSocketGauge('tracker_websocket_peers', 'WebSocket peers in all swarms of this process (also counted in scrapes, not in tracker_peers).', 'peers')
  webSocketGauge('tracker_websocket_torrents', 'Torrents with WebSocket peers in this process.', 'torrents')

  const { status } = fastify.state
  const started = Date.now()
  // eslint-disable-next-line no-new
  new Gauge({
    name: 'tracker_state_save_duration_seconds',
    help: 'Time the last successful state save took.',
    registers,
    collect () { this.set(status.lastSave === null ? 0 : status.lastSave.durationMs / 1000) }
  })
  // eslint-disable-next-line no-new
  new Gauge({
    name: 'tracker_state_save_age_seconds',
    help: 'Seconds since the last successful state save (since start while there has been none).',
    registers,
    collect () {
      const since = status.lastSave === null ? started : Date.parse(status.lastSave.savedAt)
      this.set((Date.now() - since) / 1000)
    }
  })
  // eslint-disable-next-line no-new
  new Gauge({
    name: 'tracker_state_save_failing',
    help: '1 while the last state save failed or saving is blocked, else 0.',
    registers,
    collect () { this.set(status.lastError !== null || status.blocked !== null ? 1 : 0) }
  })

  // eslint-disable-next-line no-new
  new Gauge({
    name: 'process_resident_memory_bytes',
    help: 'Resident memory size in bytes.',
    registers,
    collect () { this.set(process.memoryUsage.rss()) }
  })
  // eslint-disable-next-line no-new
  new Counter({
    name: 'process_cpu_seconds_total',
    help: 'User and system CPU time spent, in seconds.',
    registers,
    collect () {
      const { user, system } = process.cpuUsage()
      this.reset()
      this.inc((user + system) / 1e6)
    }
  })
}
