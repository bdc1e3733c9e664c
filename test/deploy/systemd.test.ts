import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { promisify } from 'node:util'
import { configSchema } from '../../plugins/config-schema.ts'
import { loadConfig } from '../../plugins/config.ts'
import { launcher } from '../helpers/tracker-process.ts'

const unitText = readFileSync(new URL('../../deploy/systemd/bittorrent-tracker.service', import.meta.url), 'utf8')
const envText = readFileSync(new URL('../../deploy/systemd/tracker.env', import.meta.url), 'utf8')

/** Every `Key=value` of the [Service] section, repeated keys in order. */
function serviceSettings (): Map<string, string[]> {
  const settings = new Map<string, string[]>()
  let section = ''
  for (const raw of unitText.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    if (line.startsWith('[')) { section = line; continue }
    if (section !== '[Service]') continue
    const at = line.indexOf('=')
    const key = line.slice(0, at)
    settings.set(key, [...(settings.get(key) ?? []), line.slice(at + 1)])
  }
  return settings
}

function envFile (): Record<string, string> {
  const env: Record<string, string> = {}
  for (const line of envText.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line)
    if (m !== null) env[m[1]] = m[2]
  }
  return env
}

const seconds = (value: string): number => {
  const m = /^(\d+)(s|min)?$/.exec(value)
  assert.ok(m !== null, `a duration: ${value}`)
  return Number(m[1]) * (m[2] === 'min' ? 60 : 1)
}

/** The unit with its two absolute paths pointed at this checkout and a temp env file: verify checks they exist. */
function localCopy (t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'tracker-systemd-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'tracker.env'), envText)
  const unit = unitText
    .replace(/^ExecStart=\/opt\/bittorrent-tracker\/bin\/tracker$/m, `ExecStart=${launcher}`)
    .replace(/^EnvironmentFile=\/etc\/bittorrent-tracker\/tracker\.env$/m, `EnvironmentFile=${join(dir, 'tracker.env')}`)
  assert.notEqual(unit.indexOf(launcher), -1)
  const file = join(dir, 'bittorrent-tracker.service')
  writeFileSync(file, unit)
  return file
}

test('systemd-analyze verify accepts the unit without a warning', { timeout: 30_000 }, async (t) => {
  const file = localCopy(t)
  const { stdout, stderr } = await promisify(execFile)('systemd-analyze', ['verify', file], { timeout: 20_000 })
  assert.equal((stdout + stderr).trim(), '', 'no warnings')
})

test('systemd-analyze security rates the sandbox as OK', { timeout: 30_000 }, async (t) => {
  const file = localCopy(t)
  const { stdout, stderr } = await promisify(execFile)('systemd-analyze', ['security', '--offline=true', file], { timeout: 20_000 })
  const m = /Overall exposure level for \S+: ([\d.]+)/.exec(stdout + stderr)
  assert.ok(m !== null, stdout + stderr)
  assert.ok(Number(m[1]) <= 2, `exposure ${m[1]} (0 best, 10 worst)`)
})

test('the unit runs unprivileged with a state folder and stops gracefully', () => {
  const s = serviceSettings()
  const one = (key: string): string | undefined => s.get(key)?.at(-1)
  assert.equal(one('ExecStart'), '/opt/bittorrent-tracker/bin/tracker')
  assert.equal(one('DynamicUser'), 'yes')
  assert.equal(one('StateDirectory'), 'bittorrent-tracker')
  assert.ok(s.get('Environment')?.some(e => e.startsWith('TRACKER_DATA_FILE=%S/bittorrent-tracker/')))
  assert.equal(one('EnvironmentFile'), '/etc/bittorrent-tracker/tracker.env')
  assert.equal(one('Restart'), 'on-failure')
  assert.equal(one('KillSignal'), 'SIGTERM')
  for (const [key, value] of [['NoNewPrivileges', 'yes'], ['ProtectSystem', 'strict'], ['PrivateTmp', 'yes'], ['ProtectHome', 'yes']]) {
    assert.equal(one(key), value, key)
  }
  const stop = seconds(one('TimeoutStopSec') ?? '')
  const shutdownDefault = configSchema.properties.TRACKER_SHUTDOWN_TIMEOUT.default
  const configured = Number(envFile().TRACKER_SHUTDOWN_TIMEOUT ?? shutdownDefault)
  assert.ok(stop > shutdownDefault && stop > configured, `TimeoutStopSec ${stop} s must exceed the tracker's own ${configured} s`)
})

test('the example environment file is a valid configuration', () => {
  const config = loadConfig(envFile(), false)
  assert.equal(config.TRACKER_TRUSTED_PROXIES, '127.0.0.1')
  assert.equal(config.TRACKER_ADMIN_TOKEN, '')
})
