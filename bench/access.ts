/**
 * The price of access control (part of `npm run bench`, or alone: node --import tsx
 * bench/access.ts [--seconds S] [--rounds N]): HTTP keep-alive announces to the same tracker in
 * open mode and in private mode (every torrent registered, every announce through a member's
 * passkey and credited), alternating; prints one JSON line.
 */
import { randomBytes } from 'node:crypto'
import { request } from 'node:http'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import bencode from 'bencode'
import { cpuSeconds, startSubject } from './subjects.ts'
import { wrk } from './wrk.ts'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '5' } } })
const rounds = Number(values.rounds)
const seconds = Number(values.seconds)
const dir = mkdtempSync(join(tmpdir(), 'tracker-bench-access-'))
const hashes = Array.from({ length: 1000 }, () => randomBytes(20).toString('hex'))
const hashesFile = join(dir, 'hashes.txt')
writeFileSync(hashesFile, hashes.join('\n') + '\n')
let port = 32000 + Math.floor(Math.random() * 500)

async function http (method: string, url: string, body?: unknown): Promise<Buffer> {
  return await new Promise((resolve, reject) => {
    const req = request(url, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve(Buffer.concat(chunks)))
    })
    req.on('error', reject)
    req.end(body === undefined ? undefined : JSON.stringify(body))
  })
}

interface Run { rps: number, cpuUs: number }
async function measure (mode: 'open' | 'private'): Promise<Run> {
  const settings: Record<string, string> = mode === 'private' ? { TRACKER_ACCESS: 'private', TRACKER_WHITELIST_FILE: hashesFile } : {}
  const s = await startSubject('ours', port++, dir, hashes, [], settings)
  try {
    let path = '/announce'
    if (mode === 'private') {
      const user = JSON.parse((await http('POST', `http://127.0.0.1:${s.port}/users`, { name: 'bench' })).toString()) as { announce_path: string }
      path = user.announce_path
      // The load must be served, not refused: one announce by hand first.
      const reply = bencode.decode(await http('GET', `http://127.0.0.1:${s.port}${path}?info_hash=${hashes[0].replace(/../g, '%$&')}&peer_id=-BM0001-000000000000&port=6881&uploaded=0&downloaded=0&left=1&compact=1`)) as Record<string, unknown>
      if (reply['failure reason'] !== undefined) throw new Error(`private announce refused: ${Buffer.from(reply['failure reason'] as Uint8Array).toString()}`)
    }
    await wrk(s.port, 2, { hashesFile, path })
    const before = cpuSeconds(s.pid)
    const result = await wrk(s.port, seconds, { hashesFile, path })
    return { rps: result.rps, cpuUs: 1e6 * (cpuSeconds(s.pid) - before) / (result.rps * seconds) }
  } finally {
    await s.stop()
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]
const runs: Record<'open' | 'private', Run[]> = { open: [], private: [] }
for (let r = 0; r < rounds; r++) {
  runs.open.push(await measure('open'))
  runs.private.push(await measure('private'))
  console.error(`access: round ${r + 1} done`)
}
rmSync(dir, { recursive: true, force: true })
const summary = (list: Run[]): Run => ({ rps: Math.round(median(list.map(r => r.rps))), cpuUs: Math.round(10 * median(list.map(r => r.cpuUs))) / 10 })
const open = summary(runs.open)
const closed = summary(runs.private)
console.log(JSON.stringify({ open, private: closed, ratio: Math.round(100 * closed.rps / open.rps) / 100, runs }))
