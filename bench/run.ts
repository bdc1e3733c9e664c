/**
 * The benchmark suite (`npm run bench`): each subject on loopback, driven in turn (A B C D, then
 * again) so that machine drift is shared, medians with min–max, ratios ours/peer. Writes
 * bench/results.json and bench/results.md. Options: --rounds N (3), --seconds S (5).
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { cpuSeconds, startSubject, type SubjectName } from './subjects.ts'
import { udpLoad } from './udp-load.ts'
import { wrk } from './wrk.ts'
import { markdown, summarize, type AccessResults, type Sample, type SharedStoreResults, type SimilarityRow, type WsResults } from './report.ts'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '5' } } })
const rounds = Number(values.rounds)
const seconds = Number(values.seconds)
const has = (cmd: string): boolean => { try { execFileSync('which', [cmd], { stdio: 'ignore' }); return true } catch { return false } }
if (!has('wrk')) {
  console.error('wrk is needed for the HTTP scenarios: apt-get install -y wrk (and opentracker to compare with it)')
  process.exit(1)
}

const dir = mkdtempSync(join(tmpdir(), 'tracker-bench-'))
const hashes = Array.from({ length: 1000 }, () => randomBytes(20).toString('hex'))
const hashesFile = join(dir, 'hashes.txt')
writeFileSync(hashesFile, hashes.join('\n') + '\n')
const subjects: SubjectName[] = ['ours', 'ceiling', 'bittorrent-tracker', ...(has('opentracker') ? ['opentracker' as const] : [])]
const samples: Sample[] = []
// Below the ephemeral range (32768+), where the load tools' own connections take their ports.
let port = 20000 + Math.floor(Math.random() * 10000)

for (let round = 1; round <= rounds; round++) {
  for (const name of subjects) {
    const s = await startSubject(name, port++, dir, hashes)
    try {
      await wrk(s.port, 2, { hashesFile }) // warm-up: fills the swarms
      // The subject's CPU over a run, per request answered.
      const measured = async <T extends { rps: number }>(run: () => Promise<T>): Promise<T & { cpuUs: number }> => {
        const before = cpuSeconds(s.pid)
        const result = await run()
        return { ...result, cpuUs: 1e6 * (cpuSeconds(s.pid) - before) / (result.rps * seconds) }
      }
      const keep = await measured(async () => await wrk(s.port, seconds, { hashesFile }))
      samples.push({ scenario: '1. HTTP announce, keep-alive', subject: name, value: keep.rps, p50: keep.p50Ms, p99: keep.p99Ms, cpuUs: keep.cpuUs })
      const fresh = await measured(async () => await wrk(s.port, seconds, { hashesFile, close: true }))
      samples.push({ scenario: '2. HTTP announce, new connection each', subject: name, value: fresh.rps, p50: fresh.p50Ms, p99: fresh.p99Ms, cpuUs: fresh.cpuUs })
      if (name !== 'ceiling') {
        const scrape = await measured(async () => await wrk(s.port, seconds, { hashesFile, scrape: 10 }))
        samples.push({ scenario: '3. HTTP scrape, 10 hashes', subject: name, value: scrape.rps, p50: scrape.p50Ms, p99: scrape.p99Ms, cpuUs: scrape.cpuUs })
        await udpLoad(s.port, 2, hashes, 1)
        const udp = await measured(async () => await udpLoad(s.port, seconds, hashes, 1))
        if (udp.peersPerReply < 10) throw new Error(`${name}: UDP replies carry ${udp.peersPerReply} peers: swarms collapsed`)
        samples.push({ scenario: '4. UDP announce, 50 wanted', subject: name, value: udp.rps, peers: udp.peersPerReply, cpuUs: udp.cpuUs })
      }
    } finally {
      await s.stop()
    }
    console.error(`round ${round}: ${name} done`)
  }
}
rmSync(dir, { recursive: true, force: true })

/** Scenarios 5-7 run once each in their own process (they need --expose-gc and a quiet heap). */
function child<T = Record<string, unknown>> (script: string, args: string[] = []): T {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(import.meta.dirname, script), ...args], { encoding: 'utf8', timeout: 1_200_000, stdio: ['ignore', 'pipe', 'inherit'] })
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as T
}
const memory = child('memory.ts')
const state = child('state.ts')
const similarity = child<SimilarityRow[]>('similarity-lookup.ts')
// Scenarios 8-11, the shared store, when a redis-server can be started here.
const shared = has('redis-server') ? child<SharedStoreResults>('shared-store.ts', ['--rounds', String(rounds), '--seconds', String(seconds)]) : null
// Scenario 12: open against private mode.
const access = child<AccessResults>('access.ts', ['--rounds', String(rounds), '--seconds', String(seconds)])
// Scenarios 13-14: WebSocket, ours against bittorrent-tracker's WebSocket server.
const ws = child<WsResults>('ws.ts', ['--rounds', String(rounds), '--seconds', String(seconds)])

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`
const table = summarize(samples)
const results = { date: new Date().toISOString(), machine, rounds, seconds, table, memory, state, similarity, shared, access, ws }
const md = markdown(results)
writeFileSync(join(import.meta.dirname, 'results.json'), JSON.stringify(results, null, 2) + '\n')
writeFileSync(join(import.meta.dirname, 'results.md'), md)
console.log(md)
