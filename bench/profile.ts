/**
 * Profiles a Node subject (ours by default) under one load: runs it with --cpu-prof, drives it,
 * stops it, prints the functions with the most self time and keeps the profile
 * (bench/<subject>-<load>.cpuprofile, which Chrome DevTools or speedscope show as a flame graph).
 * Usage: node --import tsx bench/profile.ts [keep-alive|close|scrape|udp|ws] [seconds] [ours|ceiling|bittorrent-tracker]
 * (ws: scenario 13's load, 1,000 WebSocket connections announcing with 5 offers each).
 * With TRACKER_STORE=redis (and TRACKER_REDIS_URL) in the environment, ours runs on that Redis.
 */
import { randomBytes } from 'node:crypto'
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startSubject, type SubjectName } from './subjects.ts'
import { udpLoad } from './udp-load.ts'
import { wrk } from './wrk.ts'
import { wsLoad, wsSettings } from './ws-load.ts'

const load = process.argv[2] ?? 'keep-alive'
const seconds = Number(process.argv[3] ?? 5)
const name = (process.argv[4] ?? 'ours') as SubjectName
const dir = mkdtempSync(join(tmpdir(), 'tracker-profile-'))
const hashes = Array.from({ length: 1000 }, () => randomBytes(20).toString('hex'))
const hashesFile = join(dir, 'hashes.txt')
writeFileSync(hashesFile, hashes.join('\n') + '\n')
const port = 20000 + Math.floor(Math.random() * 10000)

const shared: Record<string, string> = process.env.TRACKER_STORE === 'redis' ? { TRACKER_STORE: 'redis', TRACKER_REDIS_URL: process.env.TRACKER_REDIS_URL ?? 'redis://127.0.0.1:6379' } : {}
if (load === 'ws') Object.assign(shared, wsSettings(name, 2000))
const subject = await startSubject(name, port, dir, hashes, ['--cpu-prof', '--cpu-prof-dir', dir], shared)
let rate: number
try {
  if (load === 'ws') {
    rate = (await wsLoad(port, subject.pid, seconds, hashes, { connections: 1000, perConnection: 10, offers: 5, window: 1, warmup: 2, addresses: 1 })).announcesPerSecond
  } else if (load === 'udp') {
    await udpLoad(port, 2, hashes, 1)
    rate = (await udpLoad(port, seconds, hashes, 1)).rps
  } else {
    await wrk(port, 2, { hashesFile })
    rate = (await wrk(port, seconds, { hashesFile, close: load === 'close', scrape: load === 'scrape' ? 10 : 0 })).rps
  }
} finally {
  await subject.stop()
}

interface ProfileNode { id: number, callFrame: { functionName: string, url: string, lineNumber: number }, children?: number[] }
interface Profile { nodes: ProfileNode[], samples: number[], timeDeltas: number[] }
const file = readdirSync(dir).find(f => f.endsWith('.cpuprofile'))
if (file === undefined) throw new Error('no profile written')
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile
const byId = new Map(profile.nodes.map(n => [n.id, n]))
const self = new Map<string, number>()
let total = 0
profile.samples.forEach((id, i) => {
  const frame = byId.get(id)?.callFrame
  if (frame === undefined) return
  const where = frame.url === '' ? '' : ` ${frame.url.replace(/^.*\/(node_modules\/)?/, '')}:${frame.lineNumber + 1}`
  const name = `${frame.functionName === '' ? '(anonymous)' : frame.functionName}${where}`
  const dt = profile.timeDeltas[i] ?? 0
  self.set(name, (self.get(name) ?? 0) + dt)
  total += dt
})
const kept = join(import.meta.dirname, `${name}-${load}.cpuprofile`)
copyFileSync(join(dir, file), kept)
rmSync(dir, { recursive: true, force: true })
console.log(`${name}, ${load}: ${Math.round(rate)} req/s; profile in ${kept}`)
for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
  console.log(`${(100 * us / total).toFixed(1).padStart(5)}%  ${name}`)
}
