import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { isCluster, type RedisClient } from './redis-peer-store.ts'
import { groupTag } from './keys.ts'

const SCRIPT = readFileSync(new URL('lua/ws-announce.lua', import.meta.url), 'utf8')
const ID_HEX = 40

export interface WsCounts { complete: number, incomplete: number }
/** A browser connected to some tracker process: where an offer for it must go. */
export interface WsPlacement { peerId: string, instance: string }
export interface WsDirectoryAnnounce { infoHash: string, peerId: string, seeder: boolean, stopped: boolean, want: number }

type ScriptClient = RedisClient & {
  wsAnnounce: (p: string, c: string, peer: string, instance: string, seeder: number, now: number, alive: number, want: number, stopped: number, ttl: number) => Promise<Array<number | string>>
}

export interface RedisWsDirectoryOptions {
  redis: RedisClient
  prefix: string
  /** Seconds of silence after which a browser is no longer offered to others. */
  peerTimeout: number
  now?: () => number
}

/**
 * The WebSocket peers of every tracker process sharing one Redis: each process keeps the sockets
 * of its own browsers (lib/ws), and this directory says which process holds which browser, so an
 * offer or answer for a browser elsewhere is published on that process's channel. Binary ids
 * (20-character strings, as the protocol has them) are hex in Redis.
 */
export class RedisWsDirectory {
  /** This process, as the directory names it: random, so a restarted process is a new one. */
  readonly instance = randomBytes(8).toString('hex')
  private readonly redis: ScriptClient
  private readonly prefix: string
  private readonly peerTimeout: number
  private readonly now: () => number
  private subscriber: RedisClient | null = null

  constructor (options: RedisWsDirectoryOptions) {
    const redis = options.redis as ScriptClient
    if (typeof redis.wsAnnounce !== 'function') redis.defineCommand('wsAnnounce', { numberOfKeys: 2, lua: SCRIPT })
    this.redis = redis
    this.prefix = options.prefix
    this.peerTimeout = options.peerTimeout
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000))
  }

  private keys (infoHash: string): [string, string] {
    const hex = Buffer.from(infoHash, 'latin1').toString('hex')
    const base = `${this.prefix}{${groupTag(hex)}}:${hex}:w`
    return [base, base + 'c']
  }

  private channel (instance: string): string {
    return `${this.prefix}ws:${instance}`
  }

  /**
   * Records (or, stopped, removes) a browser of this process and draws up to `want` distinct
   * random others of the torrent, wherever they are connected; returns the torrent's counts
   * across every process.
   */
  async announce (a: WsDirectoryAnnounce): Promise<{ counts: WsCounts, targets: WsPlacement[] }> {
    const [peers, counts] = this.keys(a.infoHash)
    const now = this.now()
    const reply = await this.redis.wsAnnounce(peers, counts, hex(a.peerId), this.instance, a.seeder ? 1 : 0, now,
      now - this.peerTimeout, a.want, a.stopped ? 1 : 0, this.peerTimeout + 60)
    const targets: WsPlacement[] = []
    for (let i = 2; i + 1 < reply.length && targets.length < a.want; i += 2) {
      targets.push({ peerId: Buffer.from(String(reply[i]), 'hex').toString('latin1'), instance: String(reply[i + 1]) })
    }
    return { counts: { complete: Math.max(0, Number(reply[0])), incomplete: Math.max(0, Number(reply[1])) }, targets }
  }

  async leave (infoHash: string, peerId: string): Promise<void> {
    await this.announce({ infoHash, peerId, seeder: false, stopped: true, want: 0 })
  }

  /** The process holding `peerId` in the torrent, for an answer; undefined if it left. */
  async locate (infoHash: string, peerId: string): Promise<string | undefined> {
    const value = await this.redis.hget(this.keys(infoHash)[0], hex(peerId))
    return value === null ? undefined : value.slice(0, value.indexOf(' '))
  }

  /** Seeders and leechers of the torrent connected over WebSocket to any process. */
  async counts (infoHash: string): Promise<WsCounts> {
    const [c, i] = await this.redis.hmget(this.keys(infoHash)[1], 'c', 'i')
    return { complete: Math.max(0, Number(c ?? 0)), incomplete: Math.max(0, Number(i ?? 0)) }
  }

  /** Hands a frame to the process holding the browser; that process writes it to the socket. */
  async send (instance: string, infoHash: string, peerId: string, frame: string): Promise<void> {
    await this.redis.publish(this.channel(instance), hex(infoHash) + hex(peerId) + frame)
  }

  /** Receives the frames other processes send to browsers of this one. */
  async listen (deliver: (infoHash: string, peerId: string, frame: string) => void): Promise<void> {
    // Queued until connected. A Cluster subscribes again after each reconnection, and handles
    // its failures. A single Redis subscribes again here, without a command timeout: ioredis's own
    // resubscription leaves its promise unhandled, and a timeout while Redis comes back under
    // load became an unhandled rejection, which stops the tracker.
    const channel = this.channel(this.instance)
    const subscriber = isCluster(this.redis)
      ? this.redis.duplicate(undefined, { enableOfflineQueue: true })
      : this.redis.duplicate({ enableOfflineQueue: true, autoResubscribe: false, commandTimeout: undefined })
    this.subscriber = subscriber
    subscriber.on('error', () => {}) // the store's own connection reports Redis failures
    subscriber.on('message', (_channel: string, message: string) => {
      if (message.length <= 2 * ID_HEX) return
      const infoHash = Buffer.from(message.slice(0, ID_HEX), 'hex').toString('latin1')
      const peerId = Buffer.from(message.slice(ID_HEX, 2 * ID_HEX), 'hex').toString('latin1')
      deliver(infoHash, peerId, message.slice(2 * ID_HEX))
    })
    await subscriber.subscribe(channel)
    if (isCluster(subscriber)) return
    // Failing, the connection was lost again: the next reconnection tries again.
    subscriber.on('ready', () => { subscriber.subscribe(channel).catch(() => {}) })
  }

  async close (): Promise<void> {
    const subscriber = this.subscriber
    this.subscriber = null
    if (subscriber !== null) await subscriber.quit().catch(() => { subscriber.disconnect() })
  }
}

function hex (binary: string): string {
  return Buffer.from(binary, 'latin1').toString('hex')
}
