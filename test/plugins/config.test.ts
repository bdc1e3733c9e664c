import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { configSchema } from '../../plugins/config-schema.ts'
import { loadConfig } from '../../plugins/config.ts'
import { runTrackerToExit } from '../helpers/tracker-process.ts'

test('defaults match the documented ones', () => {
  const c = loadConfig({}, false)
  assert.equal(c.TRACKER_IP, '0.0.0.0')
  assert.equal(c.TRACKER_PORT, 6969)
  assert.equal(c.TRACKER_DATA_FILE, 'tracker_state.json')
  assert.equal(c.TRACKER_PEER_TIMEOUT, 1800)
  assert.equal(c.TRACKER_HASH_SIMILARITY_THRESHOLD, 0.95)
})

test('an invalid value stops start-up with one line naming the variable, and a non-zero status', async () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ TRACKER_PORT: 'http' }, /TRACKER_PORT must be integer/],
    [{ TRACKER_PORT: '70000' }, /TRACKER_PORT must be <= 65535/],
    [{ TRACKER_IP: 'localhost:80' }, /TRACKER_IP must be an IP address/],
    [{ TRACKER_PEER_TIMEOUT: '-5' }, /TRACKER_PEER_TIMEOUT must be >= 1/],
    [{ TRACKER_HASH_SIMILARITY_THRESHOLD: '1.5' }, /TRACKER_HASH_SIMILARITY_THRESHOLD must be <= 1/],
    [{ TRACKER_STATS_PUBLIC: 'perhaps' }, /TRACKER_STATS_PUBLIC must be boolean/],
    [{ TRACKER_LOG_LEVEL: 'chatty' }, /TRACKER_LOG_LEVEL must be equal to one of the allowed values/],
    [{ TRACKER_ANNOUNCE_INTERVAL: '3600' }, /TRACKER_ANNOUNCE_INTERVAL must be below TRACKER_PEER_TIMEOUT/]
  ]
  for (const [env, message] of cases) {
    const { code, stderr, stdout } = await runTrackerToExit(env)
    assert.notEqual(code, 0, JSON.stringify(env))
    assert.match(stderr, message)
    assert.equal(stderr.trim().split('\n').length, 1, `one line, no stack trace: ${stderr}`)
    assert.doesNotMatch(stderr + stdout, /\n\s+at /)
  }
})

test('.env.example and the README list every variable with its default', () => {
  const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8')
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  for (const [name, schema] of Object.entries(configSchema.properties)) {
    const def = (schema as { default?: unknown }).default
    const shown = def === undefined ? '' : String(def)
    assert.match(example, new RegExp(`^#? ?${name}=${shown.replace(/\./g, '\\.')}$`, 'm'), `.env.example has ${name}=${shown}`)
    assert.ok(readme.includes(`\`${name}\``), `README documents ${name}`)
  }
})
