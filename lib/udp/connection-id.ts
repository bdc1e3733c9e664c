import { randomBytes } from 'node:crypto'
import { sipHash24, sipKey, type SipKey } from './siphash.ts'

/** Seconds an id is accepted after it was issued: BEP 15 asks trackers for two minutes. */
export const CONNECTION_ID_LIFETIME = 120

export interface ConnectionIdOptions {
  /** 16 bytes; by default drawn at random, so ids do not survive a restart. */
  secret?: Uint8Array
  /** Seconds since the epoch; replaceable so that tests can move time. */
  now?: () => number
}

/**
 * BEP 15 connection ids without state: an id is the second it was issued (low 16 bits) and a
 * 48-bit SipHash, under a secret key, of that second, the client's address and its port. Only
 * someone who receives packets at that address can learn a valid id, which is what stops a
 * spoofed source from announcing a victim's address; and nothing is stored per client, so a
 * flood of connects grows no table. Carrying the second in the id lets a check compute one
 * hash and hold the lifetime exactly, where time windows need a hash per window tried.
 * Forging one takes about 2^47 guesses, each of them a packet, inside two minutes.
 */
export class ConnectionIds {
  private readonly key: SipKey
  private readonly now: () => number
  // Time (4), address (up to 16), port (2): the signed message.
  private readonly message = Buffer.allocUnsafe(22)
  private readonly mac = Buffer.allocUnsafe(8)

  constructor (options: ConnectionIdOptions = {}) {
    this.key = sipKey(options.secret ?? randomBytes(16))
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000))
  }

  /** Writes the id for a client at `address` (4 or 16 bytes) and `port` into out[at, at + 8). */
  issue (address: Uint8Array, port: number, out: Buffer, at: number): void {
    const now = this.now()
    this.sign(now, address, port)
    out.writeUInt16BE(now & 0xffff, at)
    this.mac.copy(out, at + 2, 0, 6)
  }

  /** Whether packet[at, at + 8) is an id issued to this client within the lifetime. */
  verify (packet: Buffer, at: number, address: Uint8Array, port: number): boolean {
    const now = this.now()
    const age = (now - packet.readUInt16BE(at)) & 0xffff
    if (age > CONNECTION_ID_LIFETIME) return false
    this.sign(now - age, address, port)
    // Constant time, so response timing says nothing about how many bytes matched.
    let diff = 0
    for (let i = 0; i < 6; i++) diff |= this.mac[i] ^ packet[at + 2 + i]
    return diff === 0
  }

  private sign (second: number, address: Uint8Array, port: number): void {
    const m = this.message
    m.writeUInt32BE(second >>> 0, 0)
    m.set(address, 4)
    const end = 4 + address.length
    m.writeUInt16BE(port, end)
    sipHash24(this.key, m, 0, end + 2, this.mac, 0)
  }
}
