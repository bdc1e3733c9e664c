import { createSocket, type Socket } from 'node:dgram'
import type { TestContext } from 'node:test'
import { startTracker, type RunningTracker } from './tracker.ts'

/** A tracker on a loopback port; its UDP side listens on the same port number. */
export async function startUdpTracker (t: TestContext, env: Record<string, string> = {}, host = '127.0.0.1'): Promise<RunningTracker & { udpPort: number }> {
  const tracker = await startTracker(t, env, host)
  const address = await tracker.app.udpAddress()
  if (address === null) throw new Error('UDP is not listening')
  return { ...tracker, udpPort: address.port }
}

/** BEP 15 requests built field by field, the way a client lays them out. */
export function connectPacket (transactionId: number): Buffer {
  const out = Buffer.alloc(16)
  out.writeUInt32BE(0x417, 0)
  out.writeUInt32BE(0x27101980, 4)
  out.writeUInt32BE(0, 8)
  out.writeUInt32BE(transactionId, 12)
  return out
}

export interface UdpAnnounce {
  connectionId: Buffer
  transactionId?: number
  infoHash: Buffer
  peerId: Buffer
  downloaded?: bigint
  left?: bigint
  uploaded?: bigint
  /** BEP 15 numbering: 0 none, 1 completed, 2 started, 3 stopped. */
  event?: number
  ip?: number
  key?: number
  numwant?: number
  port: number
  /** Bytes after the fixed body: BEP 41 options. */
  options?: Buffer
}

export function announcePacket (a: UdpAnnounce): Buffer {
  const out = Buffer.alloc(98)
  a.connectionId.copy(out, 0)
  out.writeUInt32BE(1, 8)
  out.writeUInt32BE(a.transactionId ?? 1, 12)
  a.infoHash.copy(out, 16)
  a.peerId.copy(out, 36)
  out.writeBigUInt64BE(a.downloaded ?? 0n, 56)
  out.writeBigUInt64BE(a.left ?? 100n, 64)
  out.writeBigUInt64BE(a.uploaded ?? 0n, 72)
  out.writeUInt32BE(a.event ?? 0, 80)
  out.writeUInt32BE(a.ip ?? 0, 84)
  out.writeUInt32BE(a.key ?? 0, 88)
  out.writeInt32BE(a.numwant ?? -1, 92)
  out.writeUInt16BE(a.port, 96)
  return a.options === undefined ? out : Buffer.concat([out, a.options])
}

export function scrapePacket (connectionId: Buffer, transactionId: number, hashes: Buffer[]): Buffer {
  const head = Buffer.alloc(16)
  connectionId.copy(head, 0)
  head.writeUInt32BE(2, 8)
  head.writeUInt32BE(transactionId, 12)
  return Buffer.concat([head, ...hashes])
}

/** The five u32 of an announce reply's header, and its peer bytes. */
export function readAnnounceReply (reply: Buffer): { action: number, transactionId: number, interval: number, leechers: number, seeders: number, peers: Buffer } {
  return {
    action: reply.readUInt32BE(0),
    transactionId: reply.readUInt32BE(4),
    interval: reply.readUInt32BE(8),
    leechers: reply.readUInt32BE(12),
    seeders: reply.readUInt32BE(16),
    peers: reply.subarray(20)
  }
}

/** A client socket on a loopback address, closed when the test ends. */
export class UdpTestClient {
  private constructor (readonly socket: Socket, readonly host: string, readonly port: number) {}

  /** `server` is the tracker's UDP port; `host` the loopback address to use (127.0.0.1 or ::1). */
  static async open (t: TestContext, host: string, port: number): Promise<UdpTestClient> {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4')
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(0, host, () => resolve())
    })
    t.after(() => socket.close())
    return new UdpTestClient(socket, host, port)
  }

  /** Sends and waits for the next datagram, or fails after `ms`. */
  async request (packet: Buffer, ms = 3000): Promise<Buffer> {
    const reply = await this.exchange(packet, ms)
    if (reply === null) throw new Error(`no UDP reply within ${ms} ms`)
    return reply
  }

  /** Sends and resolves null if nothing comes back within `ms`: the tracker dropped it. */
  async exchange (packet: Buffer, ms = 300): Promise<Buffer | null> {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.socket.off('message', onMessage); resolve(null) }, ms)
      const onMessage = (msg: Buffer): void => { clearTimeout(timer); resolve(msg) }
      this.socket.once('message', onMessage)
      this.socket.send(packet, this.port, this.host, err => {
        if (err !== null) { clearTimeout(timer); this.socket.off('message', onMessage); reject(err) }
      })
    })
  }

  /** A connect exchange; returns the connection id. */
  async connect (transactionId = 0x1234): Promise<Buffer> {
    const reply = await this.request(connectPacket(transactionId))
    if (reply.length !== 16 || reply.readUInt32BE(0) !== 0 || reply.readUInt32BE(4) !== transactionId) {
      throw new Error(`bad connect reply ${reply.toString('hex')}`)
    }
    return reply.subarray(8, 16)
  }

  async announce (a: Omit<UdpAnnounce, 'connectionId'>): Promise<Buffer> {
    return await this.request(announcePacket({ connectionId: await this.connect(), ...a }))
  }
}
