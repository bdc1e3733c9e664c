import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { startTracker, type RunningTracker } from '../helpers/tracker.ts'
import { spawnTracker } from '../helpers/tracker-process.ts'

const token = 's3cret-token-0123456789'
const hex = 'cd'.repeat(20)

interface Call { method: string, path: string, headers?: Record<string, string>, remoteAddress?: string }

/** Every admin route with a body that would change something if it were accepted. */
const routes: Array<{ method: string, path: string }> = [
  { method: 'POST', path: '/add_torrent_info' },
  { method: 'DELETE', path: `/torrents/${hex}` },
  { method: 'GET', path: '/save_state' },
  { method: 'POST', path: '/save_state' },
  { method: 'POST', path: '/shutdown' },
  { method: 'GET', path: '/stats' },
  { method: 'GET', path: '/metrics' },
  { method: 'GET', path: '/dashboard/data' }
]

/** The request as a real socket sends it, or through inject when it must come from elsewhere. */
async function send (tracker: RunningTracker, call: Call): Promise<{ status: number, body: string }> {
  const payload = call.method === 'POST' ? JSON.stringify({ info_hash: hex, name: 'refused' }) : undefined
  const headers = { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...call.headers }
  if (call.remoteAddress !== undefined) {
    const res = await tracker.app.inject({ method: call.method as 'GET', url: call.path, headers, payload, remoteAddress: call.remoteAddress })
    return { status: res.statusCode, body: res.body }
  }
  return await new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: tracker.port, method: call.method, path: call.path, headers, agent: false }, res => {
      let body = ''
      res.on('data', (c: Buffer) => { body += c.toString() })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end(payload)
  })
}

interface Watched { tracker: RunningTracker, shutdowns: () => number }

async function watchedTracker (t: TestContext, env: Record<string, string>): Promise<Watched> {
  let shutdowns = 0
  const tracker = await startTracker(t, { TRACKER_STATS_PUBLIC: 'false', ...env }, '127.0.0.1', { onShutdown: () => { shutdowns++ } })
  return { tracker, shutdowns: () => shutdowns }
}

/** Sends every route with the refused variant and checks that nothing at all happened. */
async function assertNothingChanged (w: Watched, variant: string, call: Omit<Call, 'method' | 'path'>, authorised: Record<string, string>): Promise<void> {
  for (const route of routes) {
    const res = await send(w.tracker, { ...route, ...call })
    const what = `${route.method} ${route.path} with ${variant}`
    assert.ok(res.status === 401 || res.status === 403, `${what} answered ${res.status}`)
    assert.doesNotMatch(res.body, /totals|tracker_|refused|saved|shutting/, `${what} leaked a result: ${res.body.slice(0, 200)}`)
  }
  // An authorised round trip after the refused ones: a stop armed by any of them has run by now.
  const stats = await send(w.tracker, { method: 'GET', path: '/stats', headers: authorised })
  assert.equal(stats.status, 200, variant)
  await new Promise(resolve => setImmediate(resolve))
  assert.equal(w.shutdowns(), 0, `a refused /shutdown with ${variant} stopped the tracker`)
  assert.equal(w.tracker.app.server.listening, true, variant)
  assert.equal(JSON.parse(stats.body).totals.torrents, 0, `a refused /add_torrent_info with ${variant} registered the torrent`)
  assert.equal(existsSync(w.tracker.dataFile), false, `a refused /save_state with ${variant} wrote the state file`)
}

test('with a token, no refused admin request has any effect', async (t) => {
  const w = await watchedTracker(t, { TRACKER_ADMIN_TOKEN: token })
  const auth = { authorization: `Bearer ${token}` }
  const variants: Array<[string, Omit<Call, 'method' | 'path'>]> = [
    ['no token', {}],
    ['a wrong token', { headers: { authorization: 'Bearer wrong' } }],
    ['the token with a suffix', { headers: { authorization: `Bearer ${token}x` } }],
    ['the token in wrong case', { headers: { authorization: `Bearer ${token.toUpperCase()}` } }],
    ['the token in the query string', { headers: {} }],
    ['an oversized token', { headers: { authorization: `Bearer ${'a'.repeat(12_000)}` } }],
    ['the token as Basic credentials', { headers: { authorization: `Basic ${token}` } }],
    ['the token without a scheme', { headers: { authorization: token } }],
    ['a forwarding header from loopback', { headers: { 'x-forwarded-for': '127.0.0.1' } }],
    ['no token from a remote address', { remoteAddress: '198.51.100.7' }]
  ]
  for (const [variant, call] of variants) await assertNothingChanged(w, variant, call, auth)
  for (const route of routes) {
    for (const name of ['token', 'access_token', 'authorization']) {
      const res = await send(w.tracker, { ...route, path: `${route.path}?${name}=${token}` })
      assert.equal(res.status, 401, `${route.method} ${route.path}?${name}=`)
    }
  }
  await assertNothingChanged(w, 'the token in the query string', {}, auth)

  // The positive control: the same checks see an authorised request's effects.
  assert.equal((await send(w.tracker, { method: 'POST', path: '/add_torrent_info', headers: auth })).status, 200)
  assert.equal((await send(w.tracker, { method: 'POST', path: '/save_state', headers: auth })).status, 200)
  assert.equal(existsSync(w.tracker.dataFile), true)
  assert.equal((await send(w.tracker, { method: 'DELETE', path: `/torrents/${hex}`, headers: auth })).status, 200)
  assert.equal((await send(w.tracker, { method: 'POST', path: '/shutdown', headers: { ...auth, 'x-forwarded-for': '203.0.113.1' } })).status, 200)
  await new Promise(resolve => setImmediate(resolve))
  assert.equal(w.shutdowns(), 1)
})

test('the Bearer scheme name is matched without regard to case (RFC 7235), the token exactly', async (t) => {
  const w = await watchedTracker(t, { TRACKER_ADMIN_TOKEN: token })
  assert.equal((await send(w.tracker, { method: 'GET', path: '/save_state', headers: { authorization: `bearer ${token}` } })).status, 200)
  assert.equal((await send(w.tracker, { method: 'GET', path: '/stats', headers: { authorization: `BEARER ${token}` } })).status, 200)
  assert.equal((await send(w.tracker, { method: 'GET', path: '/stats', headers: { authorization: `bearer ${token.toUpperCase()}` } })).status, 401)
})

test('without a token, no admin request from a proxy or a remote address has any effect', async (t) => {
  const w = await watchedTracker(t, {})
  const variants: Array<[string, Omit<Call, 'method' | 'path'>]> = [
    ['X-Forwarded-For from loopback', { headers: { 'x-forwarded-for': '203.0.113.9' } }],
    ['X-Forwarded-For naming loopback', { headers: { 'x-forwarded-for': '127.0.0.1' } }],
    ['X-Real-IP from loopback', { headers: { 'x-real-ip': '127.0.0.1' } }],
    ['Forwarded from loopback', { headers: { forwarded: 'for=127.0.0.1' } }],
    ['an empty X-Forwarded-For', { headers: { 'x-forwarded-for': '' } }],
    ['a remote address', { remoteAddress: '198.51.100.7' }],
    ['a remote address and a bearer token', { remoteAddress: '198.51.100.7', headers: { authorization: 'Bearer anything' } }]
  ]
  for (const [variant, call] of variants) await assertNothingChanged(w, variant, call, {})
})

test('bin/tracker: a refused POST /shutdown leaves the process serving; the authorised one stops it with 0', { timeout: 30_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tracker-shutdown-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const dataFile = join(dir, 'state.json')
  const proc = await spawnTracker(t, { TRACKER_ADMIN_TOKEN: token, TRACKER_DATA_FILE: dataFile })
  for (const headers of [{}, { authorization: 'Bearer wrong' }, { 'x-forwarded-for': '127.0.0.1' }] as Array<Record<string, string>>) {
    const refused = await fetch(`${proc.url}/shutdown`, { method: 'POST', headers })
    assert.equal(refused.status, 401)
  }
  // A round trip after the refused requests: a stop they had armed would have started.
  assert.equal((await fetch(`${proc.url}/health`)).status, 200)
  assert.equal(proc.child.exitCode, null)
  assert.equal(proc.logs.filter(l => l.msg === 'stopping').length, 0)
  assert.equal(existsSync(dataFile), false, 'no final save has run')
  const ok = await fetch(`${proc.url}/shutdown`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
  assert.equal(ok.status, 200)
  assert.equal(await proc.exited, 0)
  assert.equal(existsSync(dataFile), true, 'the final save ran')
})
