import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const script = fileURLToPath(new URL('announce.lua', import.meta.url))

export interface LoadResult {
  rps: number
  p50Ms: number
  p99Ms: number
  errors: number
}

/** Drives http://127.0.0.1:port with wrk for `seconds` (bounded: wrk stops by itself). */
export async function wrk (port: number, seconds: number, options: { hashesFile: string, close?: boolean, scrape?: number, connections?: number, path?: string }): Promise<LoadResult> {
  const env = { ...process.env, HASHES: options.hashesFile, CLOSE: options.close === true ? '1' : '0', SCRAPE: String(options.scrape ?? 0), ANNOUNCE_PATH: options.path ?? '/announce' }
  const args = ['-t', '1', '-c', String(options.connections ?? 50), '-d', `${seconds}s`, '--timeout', '5s', '-s', script, `http://127.0.0.1:${port}`]
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile('wrk', args, { env, timeout: (seconds + 30) * 1000 }, (err, out) => err !== null ? reject(err) : resolve(out))
  })
  const line = stdout.trim().split('\n').reverse().find(l => l.startsWith('{'))
  if (line === undefined) throw new Error(`no summary from wrk: ${stdout}`)
  const r = JSON.parse(line) as { requests: number, durationUs: number, errors: number, non2xx: number, p50Us: number, p99Us: number }
  return { rps: r.requests / (r.durationUs / 1e6), p50Ms: r.p50Us / 1000, p99Ms: r.p99Us / 1000, errors: r.errors + r.non2xx }
}
