/**
 * One WebSocket load worker (bench/ws-load.ts starts it). It speaks the protocol over plain TCP
 * sockets with frames built by hand rather than through the `ws` client: every announce frame is
 * built once, masked with the all-zero key (which RFC 6455 allows and leaves the payload as it
 * is), and a received frame is classified by a byte search instead of JSON.parse, so the
 * generator spends its core on sockets, not on framing.
 *
 * Modes:
 * - `load`: `connections` peers, each with its own peer id on `perConnection` torrents, keep
 *   `window` announces in flight each (the next one only after a reply, so never two at once on
 *   one torrent), every announce carrying `offers` WebRTC offers. Announces go round each
 *   connection's torrents; the first round is `started` and fills the swarms (the warm-up).
 * - `hold`: `warm` connections announce once and stay (the baseline), then, on the parent's
 *   word, `connections` more announce once each and go silent until released.
 */
import { randomBytes } from 'node:crypto'
import { connect, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { parentPort, workerData } from 'node:worker_threads'

export interface WsJob {
  mode: 'load' | 'hold'
  port: number
  /** Hex info hashes. */
  hashes: string[]
  worker: number
  connections: number
  /** Connections spread over 127.0.0.2, .3, …: the source ports of one address are finite. */
  addresses: number
  offers: number
  /** load: torrents per connection, announces in flight per connection, seconds of warm-up and measure. */
  perConnection: number
  window: number
  warmup: number
  seconds: number
  /** hold: connections opened before the baseline is read. */
  warm: number
}

/** What the generator saw; over the measured interval in `load` mode. */
export interface WsCounts {
  sent: number
  replies: number
  offers: number
  /** `failure reason` frames. */
  failures: number
  /** Frames that were none of the above, or failed the sampled full parse. */
  invalid: number
  /** Upgrades answered with anything but 101. */
  refused: number
  /** Socket errors, and closes the generator did not ask for. */
  errors: number
  closes: number
  connected: number
}

export type WsWorkerMessage =
  | { type: 'measuring' }
  | { type: 'done', counts: WsCounts, elapsed: number }
  | { type: 'baseline', counts: WsCounts }
  | { type: 'held', counts: WsCounts }
  | { type: 'released', counts: WsCounts }
  | { type: 'failed', message: string }

const job = workerData as WsJob
const port = parentPort
if (port === null) throw new Error('ws-load-worker runs as a worker thread')
const post = (message: WsWorkerMessage): void => port.postMessage(message)

const hashes = job.hashes.map(h => Buffer.from(h, 'hex').toString('latin1'))
/**
 * A data-channel offer as Chrome makes it for WebTorrent (trickle off, so with its candidates):
 * about 550 bytes, which JSON's escaped CRLFs take to about 600 on the wire.
 */
function fakeSdp (n: number): string {
  const hex = randomBytes(32).toString('hex').toUpperCase()
  const fingerprint = hex.match(/../g)?.join(':') ?? ''
  const ufrag = randomBytes(3).toString('base64')
  const pwd = randomBytes(18).toString('base64')
  return `v=0\r\no=- ${4611731400430051336n + BigInt(n)} 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS\r\n` +
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n' +
    `a=candidate:1467250027 1 udp 2122260223 192.168.1.${n % 250} 54321 typ host generation 0 network-id 1\r\n` +
    `a=candidate:2839406412 1 udp 1686052607 203.0.113.${n % 250} 54321 typ srflx raddr 192.168.1.${n % 250} rport 54321 generation 0 network-id 1\r\n` +
    `a=ice-ufrag:${ufrag}\r\na=ice-pwd:${pwd}\r\na=ice-options:trickle\r\na=fingerprint:sha-256 ${fingerprint}\r\n` +
    'a=setup:actpass\r\na=mid:0\r\na=sctp-port:5000\r\na=max-message-size:262144\r\n'
}

/** A client text frame: FIN, opcode 1, the mask bit and the zero key, the payload unchanged. */
function frame (payload: Buffer, opcode = 0x1): Buffer {
  const n = payload.length
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10
  const out = Buffer.alloc(head + 4 + n)
  out[0] = 0x80 | opcode
  if (n < 126) {
    out[1] = 0x80 | n
  } else if (n < 65536) {
    out[1] = 0x80 | 126
    out.writeUInt16BE(n, 2)
  } else {
    out[1] = 0x80 | 127
    out.writeBigUInt64BE(BigInt(n), 2)
  }
  payload.copy(out, head + 4)
  return out
}

/** The frame bittorrent-tracker's Client (WebTorrent) sends: its options, then action, ids, offers. */
function announceFrame (infoHash: string, peerId: string, offers: string, event?: 'started'): Buffer {
  const head = JSON.stringify({ numwant: job.offers, uploaded: 0, downloaded: 0, left: 1000, event, action: 'announce', info_hash: infoHash, peer_id: peerId })
  return frame(Buffer.from(`${head.slice(0, -1)},"offers":${offers}}`))
}

function offersJson (): string {
  return JSON.stringify(Array.from({ length: job.offers }, (_, i) => ({
    offer: { type: 'offer', sdp: fakeSdp(i) },
    offer_id: randomBytes(20).toString('latin1')
  })))
}

const counts: WsCounts = { sent: 0, replies: 0, offers: 0, failures: 0, invalid: 0, refused: 0, errors: 0, closes: 0, connected: 0 }
const zero = (): void => { for (const key of Object.keys(counts) as Array<keyof WsCounts>) counts[key] = 0 }
let frames = 0
const OFFER = Buffer.from('"offer":')
const FAILURE = Buffer.from('"failure reason"')

interface Peer {
  socket: Socket
  peerId: string
  torrents: number[]
  /** Announce frames for the rounds after the first, one per torrent. */
  updates: Buffer[]
  next: number
  inflight: number
  /** Bytes of a frame split between reads. */
  pending: Buffer | null
  upgraded: boolean
  closing: boolean
  /** Replies to the first round, which announces `started`. */
  started: number
}
const peers: Peer[] = []
let sending = false

/** Counts one server frame; every 1,024th is parsed in full, so a wrong kind of frame would show. */
function onFrame (peer: Peer, opcode: number, data: Buffer, start: number, end: number): void {
  if (opcode === 0x9) { peer.socket.write(frame(data.subarray(start, end), 0xA)); return }
  if (opcode === 0x8) { peer.closing = true; counts.closes++; peer.socket.end(); return }
  if (opcode !== 0x1) { counts.invalid++; return }
  const payload = data.subarray(start, end)
  // Both servers write `{"action":"announce","offer":…` for a relayed offer: found within 30 bytes.
  const offer = payload.indexOf(OFFER) !== -1
  if (offer) {
    counts.offers++
  } else {
    if (payload.indexOf(FAILURE) !== -1) counts.failures++
    else counts.replies++
    onReply(peer)
  }
  if ((++frames & 1023) === 0 && !valid(payload, offer)) counts.invalid++
}

function valid (payload: Buffer, offer: boolean): boolean {
  let m: Record<string, unknown>
  try {
    m = JSON.parse(payload.toString()) as Record<string, unknown>
  } catch {
    return false
  }
  const id = (v: unknown): boolean => typeof v === 'string' && v.length === 20
  if (m.action !== 'announce' || !id(m.info_hash)) return false
  if (offer) return id(m.peer_id) && id(m.offer_id) && (m.offer as { type?: unknown }).type === 'offer'
  return m['failure reason'] !== undefined || (typeof m.complete === 'number' && typeof m.incomplete === 'number')
}

function onReply (peer: Peer): void {
  peer.inflight--
  if (peer.started < peer.torrents.length) peer.started++
  if (sending) announce(peer)
}

function announce (peer: Peer): void {
  if (peer.closing || peer.socket.destroyed) return
  const i = peer.next++ % peer.torrents.length
  const first = peer.next <= peer.torrents.length
  peer.socket.write(first ? announceFrame(hashes[peer.torrents[i]], peer.peerId, offersJson(), 'started') : peer.updates[i])
  peer.inflight++
  counts.sent++
}

const readBuffer = Buffer.allocUnsafe(256 * 1024)

/** Takes the bytes of one read; they are only valid until it returns (the read buffer is shared). */
function onData (peer: Peer, chunk: Buffer): void {
  const buf = peer.pending === null ? chunk : Buffer.concat([peer.pending, chunk])
  let pos = 0
  if (!peer.upgraded) {
    const end = buf.indexOf('\r\n\r\n')
    if (end === -1) { peer.pending = Buffer.from(buf); return }
    if (!buf.subarray(0, 12).toString().startsWith('HTTP/1.1 101')) {
      counts.refused++
      peer.closing = true
      peer.socket.destroy()
      return
    }
    peer.upgraded = true
    counts.connected++
    upgraded(peer)
    pos = end + 4
  }
  while (buf.length - pos >= 2) {
    const opcode = buf[pos] & 0x0f
    let length = buf[pos + 1] & 0x7f
    let head = 2
    if (length === 126) {
      if (buf.length - pos < 4) break
      length = buf.readUInt16BE(pos + 2)
      head = 4
    } else if (length === 127) {
      if (buf.length - pos < 10) break
      length = Number(buf.readBigUInt64BE(pos + 2))
      head = 10
    }
    if (buf.length - pos < head + length) break
    onFrame(peer, opcode, buf, pos + head, pos + head + length)
    pos += head + length
  }
  // Copied: a view would keep the whole read buffer alive for a few bytes.
  peer.pending = pos < buf.length ? Buffer.from(buf.subarray(pos)) : null
}

let onUpgraded: (peer: Peer) => void = () => {}
function upgraded (peer: Peer): void { onUpgraded(peer) }

/** Opens connections [from, to) with at most 64 handshakes at a time (the listen backlog is finite). */
async function open (from: number, to: number, torrentsOf: (c: number) => number[]): Promise<void> {
  let c = from
  const one = async (): Promise<void> => {
    while (c < to) {
      const n = c++
      await new Promise<void>(resolve => {
        const socket = connect({
          port: job.port,
          host: '127.0.0.1',
          localAddress: `127.0.0.${2 + (n % job.addresses)}`,
          noDelay: true,
          // Reads land in one buffer shared by every socket instead of a fresh one per read.
          onread: {
            buffer: readBuffer,
            callback: (bytes: number): boolean => {
              onData(peer, readBuffer.subarray(0, bytes))
              if (peer.upgraded || peer.closing) done()
              return true
            }
          }
        })
        const torrents = torrentsOf(n)
        const peer: Peer = { socket, peerId: `-WB0001-${String(job.worker).padStart(2, '0')}${String(n).padStart(10, '0')}`, torrents, updates: [], next: 0, inflight: 0, pending: null, upgraded: false, closing: false, started: 0 }
        peers.push(peer)
        let settled = false
        const done = (): void => { if (!settled) { settled = true; resolve() } }
        socket.on('connect', () => {
          socket.write(`GET /announce HTTP/1.1\r\nHost: 127.0.0.1:${job.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`)
        })
        socket.on('error', () => { counts.errors++; done() })
        socket.on('close', () => {
          if (!peer.closing) { peer.closing = true; counts.closes++ }
          done()
        })
      })
    }
  }
  await Promise.all(Array.from({ length: 64 }, one))
}

const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))
const snapshot = (): WsCounts => ({ ...counts })
const nextMessage = async (): Promise<unknown> => await new Promise(resolve => port.once('message', resolve))

async function load (): Promise<void> {
  const stride = Math.max(1, Math.floor(hashes.length / job.perConnection))
  // Connection c's torrents are c, c + stride, …: with as many connections as torrents, every
  // swarm gets exactly perConnection peers.
  const torrentsOf = (c: number): number[] => Array.from({ length: job.perConnection }, (_, j) => (job.worker * 7919 + c + j * stride) % hashes.length)
  await open(0, job.connections, torrentsOf)
  for (const peer of peers) {
    const offers = offersJson()
    peer.updates = peer.torrents.map(t => announceFrame(hashes[t], peer.peerId, offers))
  }
  sending = true
  for (const peer of peers) for (let i = 0; i < job.window; i++) announce(peer)
  // The warm-up lasts until every peer is in each of its swarms, and at least `warmup` seconds.
  const warmStart = performance.now()
  while (performance.now() - warmStart < job.warmup * 1000 || peers.some(p => !p.closing && p.started < p.torrents.length)) {
    if (performance.now() - warmStart > (job.warmup + 60) * 1000) throw new Error('warm-up: the swarms did not fill within a minute')
    await sleep(50)
  }
  const connected = counts.connected
  zero()
  counts.connected = connected
  post({ type: 'measuring' })
  const start = performance.now()
  await sleep(job.seconds * 1000)
  const elapsed = (performance.now() - start) / 1000
  post({ type: 'done', counts: snapshot(), elapsed })
  sending = false
}

async function hold (): Promise<void> {
  onUpgraded = peer => {
    peer.socket.write(announceFrame(hashes[peer.torrents[0]], peer.peerId, offersJson(), 'started'))
    counts.sent++
  }
  const torrentsOf = (c: number): number[] => [c % hashes.length]
  const settle = async (): Promise<void> => {
    const until = performance.now() + 60_000
    while (counts.replies + counts.failures < counts.sent && performance.now() < until) await sleep(50)
  }
  await open(0, job.warm, torrentsOf)
  await settle()
  post({ type: 'baseline', counts: snapshot() })
  await nextMessage()
  zero()
  await open(job.warm, job.warm + job.connections, torrentsOf)
  await settle()
  post({ type: 'held', counts: snapshot() })
  await nextMessage()
  post({ type: 'released', counts: snapshot() })
}

try {
  await (job.mode === 'load' ? load() : hold())
} catch (err) {
  post({ type: 'failed', message: err instanceof Error ? err.message : String(err) })
} finally {
  sending = false
  for (const peer of peers) { peer.closing = true; peer.socket.destroy() }
}
