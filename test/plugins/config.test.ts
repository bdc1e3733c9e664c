import assert from 'node:assert/strict'
import { readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { configSchema } from '../../plugins/config-schema.ts'
import { ConfigError, loadConfig, unknownVariables } from '../../plugins/config.ts'
import { buildApp } from '../../app.ts'
import { collectedLogs } from '../helpers/tracker.ts'
import { runTrackerToExit } from '../helpers/tracker-process.ts'

test('defaults match the documented ones', () => {
  const c = loadConfig({}, false)
  assert.equal(c.TRACKER_IP, '0.0.0.0')
  assert.equal(c.TRACKER_PORT, 6969)
  assert.equal(c.TRACKER_DATA_FILE, 'tracker_state.json')
  assert.equal(c.TRACKER_PEER_TIMEOUT, 1800)
  assert.equal(c.TRACKER_HASH_SIMILARITY_THRESHOLD, 0.95)
})

test('an invalid value is refused with one line naming the variable', () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ TRACKER_PORT: 'http' }, /TRACKER_PORT must be integer/],
    [{ TRACKER_PORT: '70000' }, /TRACKER_PORT must be <= 65535/],
    [{ TRACKER_IP: 'localhost:80' }, /TRACKER_IP must be an IP address/],
    [{ TRACKER_PEER_TIMEOUT: '-5' }, /TRACKER_PEER_TIMEOUT must be >= 1/],
    [{ TRACKER_HASH_SIMILARITY_THRESHOLD: '1.5' }, /TRACKER_HASH_SIMILARITY_THRESHOLD must be <= 1/],
    [{ TRACKER_STATS_PUBLIC: 'perhaps' }, /TRACKER_STATS_PUBLIC must be boolean/],
    [{ TRACKER_LOG_LEVEL: 'chatty' }, /TRACKER_LOG_LEVEL must be equal to one of the allowed values/],
    [{ TRACKER_ANNOUNCE_INTERVAL: '3600' }, /TRACKER_ANNOUNCE_INTERVAL must be below TRACKER_PEER_TIMEOUT/],
    [{ TRACKER_MIN_INTERVAL: '901' }, /TRACKER_MIN_INTERVAL must not exceed TRACKER_ANNOUNCE_INTERVAL/],
    [{ TRACKER_HEADERS_TIMEOUT: '40' }, /TRACKER_HEADERS_TIMEOUT must not exceed TRACKER_REQUEST_TIMEOUT/],
    [{ TRACKER_DATA_FILE_MAX_MB: '513' }, /TRACKER_DATA_FILE_MAX_MB must be <= 512/]
  ]
  for (const [env, message] of cases) {
    assert.throws(() => loadConfig(env, false), (err: Error) => {
      assert.ok(err instanceof ConfigError, JSON.stringify(env))
      assert.match(err.message, message)
      assert.match(err.message, /^invalid configuration: /)
      assert.doesNotMatch(err.message, /\n/)
      return true
    })
  }
})

test('bin/tracker exits with status 2 for a configuration mistake, with one line and no stack trace', async () => {
  const { code, stderr, stdout } = await runTrackerToExit({ TRACKER_PORT: 'http' })
  // 2, not 1: the systemd unit's RestartPreventExitStatus=2 must not restart a broken configuration.
  assert.equal(code, 2)
  assert.equal(stderr, 'tracker: invalid configuration: TRACKER_PORT must be integer\n')
  assert.doesNotMatch(stdout, /\n\s+at /)
})

test('a misspelt TRACKER_ variable is reported with the closest real name; known and unrelated ones are not', () => {
  assert.deepEqual(unknownVariables({
    TRACKER_PEER_TIMOUT: '60',
    TRACKER_ADMINTOKEN: 'x',
    tracker_port: '1',
    TRACKER_PORT: '1',
    TRACKER_URL: 'http://x',
    TRACKER_SOMETHING_ELSE_ENTIRELY: '1',
    PATH: '/bin'
  }), [
    { name: 'TRACKER_PEER_TIMOUT', closest: 'TRACKER_PEER_TIMEOUT' },
    { name: 'TRACKER_ADMINTOKEN', closest: 'TRACKER_ADMIN_TOKEN' },
    { name: 'TRACKER_SOMETHING_ELSE_ENTIRELY', closest: null }
  ])
})

test('the tracker logs a warning for each misspelt variable at start', async (t) => {
  const { lines, logger } = collectedLogs('warn')
  const app = await buildApp({ env: { TRACKER_SAVE_INTERVAL: '0', TRACKER_DATA_FILE: join(tmpdir(), `never-saved-${process.pid}.json`), TRACKER_SAVE_INTERVALL: '5' }, logger })
  t.after(async () => { await app.close(); rmSync(join(tmpdir(), `never-saved-${process.pid}.json`), { force: true }) })
  const warning = lines.find(l => l.variable === 'TRACKER_SAVE_INTERVALL')
  assert.ok(warning !== undefined)
  assert.equal(warning.level, 40)
  assert.equal(warning.msg, 'TRACKER_SAVE_INTERVALL is not a setting of the tracker and is ignored: did you mean TRACKER_SAVE_INTERVAL?')
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
