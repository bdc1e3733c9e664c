import { randomBytes } from 'node:crypto'
import { sipHash24, sipKey, type SipKey } from './siphash.ts'

/** Seconds an id is accepted after it was issued: BEP 15 asks trackers for two minutes. */
export const CONNECTION_ID_LIFETIME = 120
/**
 * Seconds an id may seem issued in the future: with a shared secret, the instance that issued it
 * may run a clock a little ahead of the one that checks it.
 */
export const CLOCK_SKEW = 10

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
  private key: SipKey
  /** The key before the last rotation: ids it signed stay valid for their lifetime. */
  private previous: SipKey | null = null
  private readonly now: () => number
  // Time (4), address (up to 16), port (2): the signed message.
  private readonly message = Buffer.allocUnsafe(22)
  private readonly mac = Buffer.allocUnsafe(8)

  constructor (options: ConnectionIdOptions = {}) {
    this.key = sipKey(options.secret ?? randomBytes(16))
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000))
  }

  /** Replaces the key (16 bytes), keeping the one before so that ids already issued stay valid. */
  setSecrets (current: Uint8Array, previous: Uint8Array | null): void {
    this.key = sipKey(current)
    this.previous = previous === null ? null : sipKey(previous)
  }

  /** Writes the id for a client at `address` (4 or 16 bytes) and `port` into out[at, at + 8). */
  issue (address: Uint8Array, port: number, out: Buffer, at: number): void {
    const now = this.now()
    this.sign(this.key, now, address, port)
    out.writeUInt16BE(now & 0xffff, at)
    this.mac.copy(out, at + 2, 0, 6)
  }

  /** Whether packet[at, at + 8) is an id issued to this client within the lifetime. */
  verify (packet: Buffer, at: number, address: Uint8Array, port: number): boolean {
    const now = this.now()
    const age = (now - packet.readUInt16BE(at)) & 0xffff
    let second: number
    if (age <= CONNECTION_ID_LIFETIME) second = now - age
    else if (age >= 0x10000 - CLOCK_SKEW) second = now + 0x10000 - age
    else return false
    this.sign(this.key, second, address, port)
    if (this.matches(packet, at)) return true
    if (this.previous === null) return false
    this.sign(this.previous, second, address, port)
    return this.matches(packet, at)
  }

  /** Constant time, so response timing says nothing about how many bytes matched. */
  private matches (packet: Buffer, at: number): boolean {
    let diff = 0
    for (let i = 0; i < 6; i++) diff |= this.mac[i] ^ packet[at + 2 + i]
    return diff === 0
  }

  private sign (key: SipKey, second: number, address: Uint8Array, port: number): void {
    const m = this.message
    m.writeUInt32BE(second >>> 0, 0)
    m.set(address, 4)
    const end = 4 + address.length
    m.writeUInt16BE(port, end)
    sipHash24(key, m, 0, end + 2, this.mac, 0)
  }
}
