import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../app.ts'
import { encodeBytes, id } from '../helpers/tracker.ts'

const TOKEN = 'dashboard-token-0123456789'
const REMOTE = '198.51.100.7'

async function app (t: TestContext, env: Record<string, string> = {}, sampleMs = 5000): Promise<FastifyInstance> {
  const dir = mkdtempSync(join(tmpdir(), 'tracker-dashboard-'))
  const a = await buildApp({ logger: false, env: { TRACKER_DATA_FILE: join(dir, 'state.json'), TRACKER_SAVE_INTERVAL: '0', ...env }, dashboardSampleMs: sampleMs })
  t.after(async () => {
    await a.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return a
}

let port = 6881
async function announce (a: FastifyInstance, infoHash: Buffer, left: number, remoteAddress = '203.0.113.9'): Promise<void> {
  const res = await a.inject({ url: `/announce?info_hash=${encodeBytes(infoHash)}&peer_id=${encodeBytes(id('dash'))}&port=${port++}&left=${left}`, remoteAddress })
  assert.doesNotMatch(res.body, /failure reason/)
}

interface Data {
  sampleSeconds: number
  totals: { torrents: number, peers: number, seeders: number, leechers: number }
  requests: { http: { announce: number, failure: number } }
  history: { rows: number, time: number[], values: Record<string, number[]> }
  failures: { total: number, reasons: Array<{ reason: string, count: number }> }
  top: { torrents: Array<{ infoHash: string, name: string | null, seeders: number, leechers: number }>, scanned: number, total: number }
  save: { result: string, last: unknown }
  instances: Array<{ id: string, leader: boolean, host?: string }>
}

test('the page, its script, styles and uPlot are served from the repository with their types, a CSP, and under 200 KB', async (t) => {
  const a = await app(t)
  const page = await a.inject({ url: '/dashboard', remoteAddress: REMOTE })
  assert.equal(page.statusCode, 200)
  assert.equal(page.headers['content-type'], 'text/html; charset=utf-8')
  const csp = String(page.headers['content-security-policy'])
  assert.match(csp, /default-src 'none'/)
  assert.match(csp, /script-src 'self';/)
  assert.doesNotMatch(csp, /unsafe-inline|https?:/)
  // Every script is a file: the CSP allows no inline one, and nothing comes from a CDN.
  assert.doesNotMatch(page.body, /<script(?![^>]*\bsrc=)[^>]*>/)
  assert.doesNotMatch(page.body, /(src|href)="(https?:)?\/\//)
  let total = page.rawPayload.length
  const types: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' }
  const linked = [...page.body.matchAll(/(?:src|href)="(dashboard\/[^"]+)"/g)].map(m => m[1])
  assert.deepEqual(linked.sort(), ['dashboard/app.js', 'dashboard/style.css', 'dashboard/uPlot.iife.min.js', 'dashboard/uPlot.min.css'])
  for (const path of [...linked, 'dashboard/format.js']) {
    const res = await a.inject({ url: `/${path}`, remoteAddress: REMOTE })
    assert.equal(res.statusCode, 200, path)
    assert.equal(res.headers['content-type'], types[path.split('.').pop() ?? ''], path)
    assert.equal(res.headers['x-content-type-options'], 'nosniff')
    total += res.rawPayload.length
    // Unchanged: the browser keeps its copy.
    const again = await a.inject({ url: `/${path}`, headers: { 'if-none-match': String(res.headers.etag) } })
    assert.equal(again.statusCode, 304, path)
    assert.equal(again.rawPayload.length, 0)
  }
  const slash = await a.inject('/dashboard/')
  assert.equal(slash.statusCode, 302)
  assert.equal(slash.headers.location, '../dashboard', 'relative: the page may sit under a proxy\'s prefix')
  const uplot = readFileSync(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'))
  assert.deepEqual((await a.inject('/dashboard/uPlot.iife.min.js')).rawPayload, uplot)
  assert.ok(total < 200 * 1024, `the page weighs ${total} bytes`)
})

test('/dashboard/data gives the figures of /stats, the top torrents and the failure reasons, and no peer address', async (t) => {
  const a = await app(t)
  const named = Buffer.from('ab'.repeat(20), 'hex')
  assert.equal((await a.inject({ method: 'POST', url: '/add_torrent_info', payload: { info_hash: named.toString('hex'), name: 'Named' } })).statusCode, 200)
  await announce(a, named, 0)
  await announce(a, named, 10)
  await announce(a, named, 10)
  await announce(a, id('small'), 10)
  assert.match((await a.inject({ url: '/announce?info_hash=short', remoteAddress: '203.0.113.9' })).body, /failure reason/)
  assert.match((await a.inject({ url: '/announce', remoteAddress: '203.0.113.9' })).body, /failure reason/)
  assert.match((await a.inject({ url: '/announce', remoteAddress: '203.0.113.9' })).body, /failure reason/)

  const res = await a.inject({ url: '/dashboard/data', remoteAddress: REMOTE })
  assert.equal(res.statusCode, 200)
  assert.equal(res.headers['cache-control'], 'no-store')
  const data = res.json<Data>()
  const stats = (await a.inject('/stats')).json<{ totals: Data['totals'], requests: Data['requests'] }>()
  assert.deepEqual(data.totals, { torrents: stats.totals.torrents, peers: stats.totals.peers, seeders: stats.totals.seeders, leechers: stats.totals.leechers, completed: 0 })
  assert.deepEqual(data.requests, stats.requests)
  assert.deepEqual([data.totals.torrents, data.totals.peers, data.requests.http.announce, data.requests.http.failure], [2, 4, 7, 3])
  assert.deepEqual(data.top.torrents.map(r => [r.name, r.seeders, r.leechers]), [['Named', 1, 2], [null, 0, 1]])
  assert.deepEqual([data.top.scanned, data.top.total], [2, 2])
  assert.deepEqual(data.failures, { total: 3, reasons: [{ reason: 'missing info_hash', count: 2 }, { reason: 'info_hash must be 20 bytes, got 5', count: 1 }] })
  assert.deepEqual(data.save, { intervalSeconds: 0, shared: false, result: 'none', last: null })
  assert.deepEqual(data.instances.map(i => [i.id, i.leader, i.host]), [['local', true, undefined]], 'no host name for the world')
  assert.doesNotMatch(res.body, /203\.0\.113\.9/, 'no peer address')
})

test('the history samples the counters on a timer: rates per second by protocol, and levels', async (t) => {
  const a = await app(t, {}, 100)
  await a.ready()
  const history = async (rows: number): Promise<Data> => {
    const deadline = Date.now() + 5000
    let data: Data
    do {
      await new Promise(resolve => setTimeout(resolve, 50))
      data = (await a.inject('/dashboard/data')).json<Data>()
    } while (data.history.time.length < rows && Date.now() < deadline)
    return data
  }
  // After a first sample, so that every announce falls in an interval whose length is known.
  const first = (await history(1)).history.time.length
  const hash = id('rate')
  for (let i = 0; i < 5; i++) await announce(a, hash, 10)
  const data = await history(first + 2)
  assert.equal(data.sampleSeconds, 0.1)
  const { time, values } = data.history
  assert.ok(time.length >= 3)
  assert.ok(time.every((x, i) => i === 0 || x > time[i - 1]), 'oldest first')
  // Five announces in all, spread over the intervals at some rate per second.
  const announced = values.httpAnnounce.reduce((sum, rate, i) => sum + (i === 0 ? 0 : rate * (time[i] - time[i - 1])), 0)
  assert.equal(values.httpAnnounce[0], 0, 'nothing before the first sample')
  assert.ok(Math.abs(announced - 5) < 1.5, `the rates add up to ${announced} announces: ${JSON.stringify({ time, rates: values.httpAnnounce })}`)
  assert.equal(values.udpAnnounce.reduce((x, y) => x + y, 0), 0)
  assert.equal(values.peers[values.peers.length - 1], 5)
  assert.equal(data.history.rows, 36_000, 'an hour of 100 ms samples')

  // A page that has the rows up to a time gets the later ones only.
  const later = (await a.inject(`/dashboard/data?since=${time[1]}`)).json<Data>().history
  assert.deepEqual(later.time.slice(0, time.length - 2), time.slice(2))
  assert.deepEqual(later.values.httpAnnounce.slice(0, time.length - 2), values.httpAnnounce.slice(2))
  assert.equal((await a.inject('/dashboard/data?since=oops')).statusCode, 400)
})

test('with TRACKER_STATS_PUBLIC=false, the data wants the token (from loopback too); the page itself holds no figure', async (t) => {
  const a = await app(t, { TRACKER_STATS_PUBLIC: 'false', TRACKER_ADMIN_TOKEN: TOKEN })
  assert.equal((await a.inject({ url: '/dashboard/data', remoteAddress: REMOTE })).statusCode, 401)
  assert.equal((await a.inject({ url: '/dashboard/data' })).statusCode, 401)
  assert.equal((await a.inject({ url: '/dashboard/data', headers: { authorization: 'Bearer wrong' } })).statusCode, 401)
  const ok = await a.inject({ url: '/dashboard/data', remoteAddress: REMOTE, headers: { authorization: `Bearer ${TOKEN}` } })
  assert.equal(ok.statusCode, 200)
  assert.doesNotMatch(ok.body, new RegExp(TOKEN))
  // Host names are shown to callers the admin rule let in.
  assert.equal(typeof ok.json<Data>().instances[0].host, 'string')
  const page = await a.inject({ url: '/dashboard', remoteAddress: REMOTE })
  assert.equal(page.statusCode, 200)
  assert.equal(page.body, readFileSync(new URL('../../dashboard/index.html', import.meta.url), 'utf8'), 'the page is the static file, no figure in it')

  const closed = await app(t, { TRACKER_STATS_PUBLIC: 'false' })
  assert.equal((await closed.inject({ url: '/dashboard/data', remoteAddress: REMOTE })).statusCode, 403)
  assert.equal((await closed.inject({ url: '/dashboard/data' })).statusCode, 200, 'loopback, without a token set')
})
