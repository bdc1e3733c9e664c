import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { startTracker } from '../helpers/tracker.ts'

test('/health answers 200 while saves succeed and 503 while they fail', async (t) => {
  // The state file's folder does not exist yet: saving fails until it does.
  const parent = mkdtempSync(join(tmpdir(), 'tracker-health-'))
  const dir = join(parent, 'later')
  const { app } = await startTracker(t, { TRACKER_DATA_FILE: join(dir, 'state.json') })
  // Registered after the tracker's own cleanup, so the folder outlives its final save.
  t.after(() => rmSync(parent, { recursive: true, force: true }))
  const fresh = await app.inject({ url: '/health' })
  assert.equal(fresh.statusCode, 200)
  const body = fresh.json()
  assert.equal(body.status, 'ok')
  assert.equal(body.last_save, null)
  assert.equal(typeof body.uptime_seconds, 'number')

  assert.equal((await app.inject({ method: 'POST', url: '/save_state' })).statusCode, 500)
  const failing = await app.inject({ url: '/health' })
  assert.equal(failing.statusCode, 503)
  assert.equal(failing.json().status, 'failing')
  assert.equal(failing.json().reason, 'the last state save failed')
  assert.doesNotMatch(failing.body, /later|ENOENT/, 'no paths or error text for outsiders')

  mkdirSync(dir)
  assert.equal((await app.inject({ method: 'POST', url: '/save_state' })).statusCode, 200)
  const recovered = await app.inject({ url: '/health' })
  assert.equal(recovered.statusCode, 200)
  assert.ok(Date.parse(recovered.json().last_save) > 0)
})

test('/health is public even when /stats is not', async (t) => {
  const { app } = await startTracker(t, { TRACKER_STATS_PUBLIC: 'false', TRACKER_ADMIN_TOKEN: 'health-token' })
  assert.equal((await app.inject({ url: '/stats', remoteAddress: '198.51.100.7' })).statusCode, 401)
  assert.equal((await app.inject({ url: '/health', remoteAddress: '198.51.100.7' })).statusCode, 200)
})
