import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import type { TestContext } from 'node:test'
import bencode from 'bencode'
import type { FastifyInstance } from 'fastify'
import { buildApp, type AppOptions } from '../../app.ts'

export interface RunningTracker {
  app: FastifyInstance
  url: string
  port: number
  dir: string
  dataFile: string
}

/** A logger option for buildApp that keeps the tracker's JSON log lines, parsed, in `lines`. */
export function collectedLogs (level = 'info'): { lines: Array<Record<string, unknown>>, logger: { level: string, stream: Writable } } {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({ write (chunk: Buffer, _encoding, done) { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done() } })
  return { lines, logger: { level, stream } }
}

/** A tracker on a real loopback port with its own state folder, closed when the test ends. */
export async function startTracker (t: TestContext, env: Record<string, string> = {}, host = '127.0.0.1', options: AppOptions = {}): Promise<RunningTracker> {
  const dir = mkdtempSync(join(tmpdir(), 'tracker-test-'))
  const dataFile = env.TRACKER_DATA_FILE ?? join(dir, 'state.json')
  const app = await buildApp({ logger: false, ...options, env: { TRACKER_DATA_FILE: dataFile, TRACKER_SAVE_INTERVAL: '0', ...env } })
  await app.listen({ port: 0, host })
  const port = (app.server.address() as AddressInfo).port
  t.after(async () => {
    await app.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return { app, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, port, dir, dataFile }
}

export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

/** GET with the path sent exactly as given (no re-encoding), optionally from another loopback address. */
export async function get (url: string, path: string, options: { localAddress?: string, headers?: Record<string, string> } = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(url)
  return await new Promise((resolve, reject) => {
    const req = request({ host: hostname.replace(/^\[|\]$/g, ''), port, path, method: 'GET', localAddress: options.localAddress, headers: options.headers, agent: false }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')))
    req.on('error', reject)
    req.end()
  })
}

/** Percent-encodes every byte: the most literal form a client can send. */
export function encodeBytes (bytes: Uint8Array): string {
  let out = ''
  for (const b of bytes) out += '%' + b.toString(16).padStart(2, '0')
  return out
}

export type Bencoded = Record<string, unknown>

export function decode (body: Buffer): Bencoded {
  return bencode.decode(body) as Bencoded
}

export function text (value: unknown): string {
  return Buffer.from(value as Uint8Array).toString()
}

export interface AnnounceParams {
  infoHash: Buffer
  peerId: Buffer
  port: number
  left?: number
  uploaded?: number
  downloaded?: number
  event?: string
  numwant?: number
  compact?: number
  noPeerId?: number
  key?: string
  extra?: string
}

export function announcePath (p: AnnounceParams): string {
  let q = `/announce?info_hash=${encodeBytes(p.infoHash)}&peer_id=${encodeBytes(p.peerId)}&port=${p.port}` +
    `&uploaded=${p.uploaded ?? 0}&downloaded=${p.downloaded ?? 0}&left=${p.left ?? 100}`
  if (p.event !== undefined) q += `&event=${p.event}`
  if (p.numwant !== undefined) q += `&numwant=${p.numwant}`
  if (p.compact !== undefined) q += `&compact=${p.compact}`
  if (p.noPeerId !== undefined) q += `&no_peer_id=${p.noPeerId}`
  if (p.key !== undefined) q += `&key=${p.key}`
  if (p.extra !== undefined) q += p.extra
  return q
}

export async function announce (tracker: RunningTracker, p: AnnounceParams, localAddress?: string): Promise<Bencoded> {
  const res = await get(tracker.url, announcePath(p), { localAddress })
  if (res.status !== 200) throw new Error(`announce answered HTTP ${res.status}`)
  return decode(res.body)
}

/** Compact peer entries as "address:port" strings. */
export function compactPeers (value: unknown, size = 6): string[] {
  const buf = Buffer.from(value as Uint8Array)
  const out: string[] = []
  for (let at = 0; at + size <= buf.length; at += size) {
    const addr = size === 6
      ? [...buf.subarray(at, at + 4)].join('.')
      : buf.subarray(at, at + 16).toString('hex')
    out.push(`${addr}:${buf.readUInt16BE(at + size - 2)}`)
  }
  return out
}

let counter = 0
/** A fresh 20-byte id; `tag` makes ids readable in failures. */
export function id (tag = 'x'): Buffer {
  const buf = Buffer.alloc(20, 0)
  buf.write(`${tag}-${++counter}-${process.pid}`.slice(0, 20))
  return buf
}
