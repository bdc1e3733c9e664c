import { readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Cluster, Redis } from 'ioredis'
import { ClientError } from '../../bittorrent/client-error.ts'
import { storedCounter } from '../memory/peer-record.ts'
import { EVENT_STOPPED, UNREGISTERED } from '../peer-store.ts'
import type {
  AnnounceRequest, AnnounceResult, PeerSnapshot, PeerStore, RestoreResult, ScrapeEntry, StatsQuery, TorrentInfo,
  TorrentSnapshot, TorrentSummary, Totals
} from '../peer-store.ts'
import { GROUPS, groupKeys, groupName, groupTag, swarmKeys } from './keys.ts'

export type RedisClient = Redis | Cluster

/**
 * The client's own flag, not `instanceof Cluster`: narrowing by ioredis's generic class makes the
 * type checker compare every command signature, and this module needs no ioredis at run time.
 */
export function isCluster (redis: RedisClient): redis is Cluster {
  return redis.isCluster
}

export interface RedisPeerStoreOptions {
  redis: RedisClient
  /** Goes before every key, so that several trackers (or tests) can share one Redis. */
  prefix: string
  /** Seconds of silence after which a peer is dropped. */
  peerTimeout: number
  /** Serve a never-seen hash equal to a known one in its first 10 and last 5 hex digits by that swarm. */
  similarity: boolean
  /** Seconds since the epoch; replaceable so that tests can move time. */
  now?: () => number
  /** Track registered torrents only (whitelist): any other hash is refused, nothing stored. */
  registeredOnly?: boolean
}

/** The store could not be reached: the client is told so, and should retry later. */
export class StoreUnavailableError extends ClientError {
  constructor (override readonly cause: unknown) {
    super('tracker storage unavailable, try again later')
  }
}

const lua = (name: string): string => readFileSync(new URL(`lua/${name}.lua`, import.meta.url), 'utf8')
/** Each function of the library: its Lua body (lua/<name>.lua), and whether it only reads. */
const FUNCTIONS = { announce: false, trim: false, restore: false, 'set-info': false, alias: false, remove: false, complete: false, dump: true }
type FunctionName = keyof typeof FUNCTIONS
const bodies = Object.entries(FUNCTIONS).map(([name, readOnly]) => {
  const local = `fn_${name.replace('-', '_')}`
  return `local function ${local} (KEYS, ARGV)\n  begin(KEYS)\n${lua(name)}end\n` +
    `redis.register_function{function_name = '@_${name.replace('-', '_')}', callback = ${local}${readOnly ? ", flags = { 'no-writes' }" : ''}}\n`
}).join('\n')
/**
 * The library is named after its own text, so trackers of different versions can share one
 * Redis, each calling its own functions.
 */
const LIBRARY_NAME = `tracker_${createHash('sha1').update(lua('swarm') + bodies).digest('hex').slice(0, 12)}`
const LIBRARY = `#!lua name=${LIBRARY_NAME}\n${lua('swarm')}\n${bodies.replaceAll('@', LIBRARY_NAME)}`
const fn = (name: FunctionName): string => `${LIBRARY_NAME}_${name.replace('-', '_')}`

type Arg = string | Buffer | number
/** ioredis makes a Buffer-reply variant of every command; its types leave out FCALL's. */
interface BufferCommands { fcallBuffer: (...args: Arg[]) => Promise<Buffer> }

const INFO_FIELDS: ReadonlyArray<keyof TorrentInfo> = ['name', 'size', 'piece_length', 'comment', 'created_by', 'creation_date', 'private']
const INFO_HASH_FIELDS = INFO_FIELDS.map(f => `#i:${f}`)
const SUMMARY_FIELDS = ['#t', '#n4', '#s4', '#n6', '#s6', '#c', '#u', '#d', '#i', ...INFO_HASH_FIELDS]
const TOTAL_FIELDS = ['peers', 'seeders', 'completed', 'up', 'down', 'torrents']
const HEADER_BYTES = 1 + 4 + 4 + 8 + 2 + 2
const PEER_ID_LENGTH = 20
/** Peers restored per script call: a big swarm must not hold Redis for long in one go. */
const RESTORE_BATCH = 500
/** Aliases remembered by this process, so that an alias is one round trip (the script verifies it). */
const ALIAS_CACHE_MAX = 10_000

const ZERO: ScrapeEntry = Object.freeze({ complete: 0, incomplete: 0, downloaded: 0 })
const int = (v: string | null | undefined): number => v === null || v === undefined ? 0 : Number(v)

/**
 * Swarms in Redis (or Valkey, or a Redis Cluster), shared by every tracker process that uses the
 * same server and prefix, answering exactly as MemoryPeerStore does. An announce is one script
 * call, atomic, over a packed layout (lua/swarm.lua) whose cost does not grow with the swarm.
 */
export class RedisPeerStore implements PeerStore {
  readonly redis: RedisClient
  readonly prefix: string
  readonly peerTimeout: number
  readonly now: () => number
  private readonly similarity: boolean
  private readonly registeredOnly: boolean
  private readonly sweepEvery: number
  private readonly aliasCache = new Map<string, string>()
  private loading: Promise<void> | null = null
  private refreshing: Promise<void> | null = null
  private sweepGroup = 0
  private sweepAfter = ''

  constructor (options: RedisPeerStoreOptions) {
    this.redis = options.redis
    this.prefix = options.prefix
    this.peerTimeout = options.peerTimeout
    this.similarity = options.similarity
    this.registeredOnly = options.registeredOnly ?? false
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000))
    this.sweepEvery = Math.max(1, Math.min(60, Math.floor(this.peerTimeout / 10)))
  }

  async announce (req: AnnounceRequest): Promise<AnnounceResult> {
    const hex = req.infoHash.toString('hex')
    const v4 = req.endpoint.length === 6
    const now = this.now()
    const arg = Buffer.allocUnsafe(70 + req.endpoint.length)
    let at = arg.writeUInt32BE(now >>> 0, 0)
    at = arg.writeUInt32BE(Math.max(0, now - this.peerTimeout) >>> 0, at)
    at = arg.writeUInt16BE(this.sweepEvery, at)
    at = arg.writeUInt8(req.event, at)
    at = arg.writeUInt16BE(Math.min(req.numwant, 0xffff), at)
    at = arg.writeUInt8((req.wantOtherFamily ? 1 : 0) | (req.wantPeerIds ? 2 : 0) | (this.similarity && !this.registeredOnly ? 4 : 0) | (this.registeredOnly ? 8 : 0), at)
    at = arg.writeInt32BE(req.key | 0, at)
    at = arg.writeDoubleBE(storedCounter(req.uploaded), at)
    at = arg.writeDoubleBE(storedCounter(req.downloaded), at)
    at = arg.writeDoubleBE(storedCounter(req.left), at)
    // Where each family's window of peers starts: chosen here, so the function is deterministic.
    at = arg.writeUInt32BE(Math.floor(Math.random() * 0x100000000), at)
    at = arg.writeUInt32BE(Math.floor(Math.random() * 0x100000000), at)
    at += req.peerId.copy(arg, at, 0, PEER_ID_LENGTH)
    req.endpoint.copy(arg, at)

    let target = this.aliasCache.get(hex)
    let servedAs = target === undefined ? '' : hex
    // At most: a stale alias dropped, a redirect followed, the call that answers.
    for (let attempt = 0; attempt < 3; attempt++) {
      const swarm = target ?? hex
      const reply = await this.call(async () => await this.fcallBuffer('announce', swarm, arg, swarm, servedAs))
      if (reply[0] === 0) return parseAnnounce(reply, v4, req.wantPeerIds && req.event !== EVENT_STOPPED)
      if (reply[0] === 3) throw new ClientError(UNREGISTERED)
      if (reply[0] === 1) {
        target = reply.toString('latin1', 1)
        // In the same group the script can check the alias on every call, so it is remembered;
        // one leading to another group (read from a state file) is looked up each time.
        servedAs = groupTag(target) === groupTag(hex) ? hex : ''
        if (servedAs !== '') {
          if (this.aliasCache.size >= ALIAS_CACHE_MAX) this.aliasCache.clear()
          this.aliasCache.set(hex, target)
        }
      } else {
        this.aliasCache.delete(hex)
        target = undefined
        servedAs = ''
      }
    }
    throw new Error(`announce of ${hex}: alias resolution did not settle`)
  }

  async scrape (infoHashes: Buffer[]): Promise<ScrapeEntry[]> {
    return await Promise.all(infoHashes.map(async hash => await this.scrapeOne(hash.toString('hex'))))
  }

  async setInfo (hex: string, info: TorrentInfo): Promise<'added' | 'updated'> {
    const fields: string[] = []
    for (const name of INFO_FIELDS) {
      if (info[name] !== undefined) fields.push(name, JSON.stringify(info[name]))
    }
    const [had, dropped] = await this.call(async () => await this.fcall<[number, string]>('set-info', hex, hex, this.now(), this.similarity ? 1 : 0, ...fields))
    await this.unlist(dropped, hex)
    return had === 1 ? 'updated' : 'added'
  }

  async totals (): Promise<Totals> {
    const sums = [0, 0, 0, 0, 0, 0]
    const groups = await this.call(async () => await Promise.all(Array.from({ length: GROUPS }, async (_, g) => await this.redis.hmget(groupKeys(this.prefix, groupName(g)).hash, ...TOTAL_FIELDS))))
    for (const values of groups) values.forEach((v, i) => { sums[i] += int(v) })
    const [peers, seeders, completed, uploaded, downloaded, torrents] = sums
    return { torrents, peers, seeders, leechers: peers - seeders, completed, uploaded, downloaded }
  }

  async list (query: StatsQuery): Promise<{ total: number, torrents: TorrentSummary[] }> {
    if (query.infoHash !== undefined) {
      const hex = query.infoHash
      const alias = await this.call(async () => await this.redis.hget(groupKeys(this.prefix, groupTag(hex)).hash, `a:${hex}`))
      const summary = await this.summary(alias ?? hex)
      return { total: summary === null ? 0 : 1, torrents: summary === null ? [] : [summary] }
    }
    const counts = await this.groupSizes()
    const total = counts.reduce((a, b) => a + b, 0)
    const hexes: string[] = []
    let skip = query.offset
    for (let g = 0; g < GROUPS && hexes.length < query.limit; g++) {
      if (skip >= counts[g]) {
        skip -= counts[g]
        continue
      }
      const ids = groupKeys(this.prefix, groupName(g)).ids
      const stop = skip + query.limit - hexes.length - 1
      hexes.push(...await this.call(async () => await this.redis.zrange(ids, String(skip), String(stop))))
      skip = 0
    }
    const torrents = (await Promise.all(hexes.map(async hex => await this.summary(hex)))).filter(s => s !== null)
    return { total, torrents }
  }

  /**
   * Expires the silent peers of up to `budget` torrents, resuming where the last call stopped,
   * and deletes the torrents left with nothing worth keeping. One process of a deployment runs
   * it (the lease holder); announces expire their own swarm as they go.
   */
  async sweepStep (budget: number): Promise<void> {
    const now = this.now()
    const cutoff = Math.max(0, now - this.peerTimeout)
    let done = 0
    for (let visited = 0; done < budget && visited < GROUPS;) {
      const want = budget - done
      const ids = groupKeys(this.prefix, groupName(this.sweepGroup)).ids
      // After the last one visited; at a group's start, `(` alone is above only the empty string.
      const from = `(${this.sweepAfter}`
      const batch = await this.call(async () => await this.redis.zrangebylex(ids, from, '+', 'LIMIT', 0, want))
      await Promise.all(batch.map(async hex => await this.call(async () => await this.fcall('trim', hex, now, cutoff, hex))))
      done += batch.length
      if (batch.length === want) {
        this.sweepAfter = batch[batch.length - 1]
      } else {
        this.sweepGroup = (this.sweepGroup + 1) % GROUPS
        this.sweepAfter = ''
        visited++
      }
    }
  }

  async * snapshot (): AsyncGenerator<TorrentSnapshot> {
    for (let g = 0; g < GROUPS; g++) {
      const { ids } = groupKeys(this.prefix, groupName(g))
      let after = '-'
      for (;;) {
        const batch = await this.call(async () => await this.redis.zrangebylex(ids, after, '+', 'LIMIT', 0, 100))
        const torrents = await Promise.all(batch.map(async hex => await this.dump(hex)))
        for (const torrent of torrents) if (torrent !== null) yield torrent
        if (batch.length < 100) break
        after = `(${batch[batch.length - 1]}`
      }
    }
  }

  async restore (torrent: TorrentSnapshot): Promise<RestoreResult> {
    const hex = torrent.infoHash
    const now = this.now()
    const header = Buffer.allocUnsafe(17)
    header.writeUInt32BE(now >>> 0, 0)
    header.writeUInt32BE(Math.max(0, now - this.peerTimeout) >>> 0, 4)
    header.writeDoubleBE(torrent.completed, 8)
    header.writeUInt8(this.similarity ? 4 : 0, 16)
    const result = { peers: 0, expired: 0 }
    const send = async (batch: Buffer[]): Promise<void> => {
      const [added, expired, dropped] = await this.call(async () => await this.fcall<[number, number, string]>('restore', hex, header, hex, Buffer.concat(batch)))
      await this.unlist(dropped, hex)
      result.peers += added
      result.expired += expired
    }
    let batch: Buffer[] = []
    let first = true
    for (const peer of torrent.peers) {
      batch.push(packPeer(peer))
      if (batch.length === RESTORE_BATCH) {
        await send(batch)
        batch = []
        first = false
      }
    }
    if (first || batch.length > 0) await send(batch)
    if (torrent.info !== null) await this.setInfo(hex, torrent.info)
    for (const alias of torrent.aliases) {
      if (groupTag(alias) === groupTag(hex)) {
        await this.call(async () => await this.fcall('alias', hex, hex, alias, 'both'))
      } else if (await this.call(async () => await this.fcall('alias', alias, hex, alias, 'link')) === 1) {
        // Similar hashes share their first digits, so their group: only a file saved with a
        // lower similarity threshold has aliases elsewhere, linked in two steps.
        await this.call(async () => await this.fcall('alias', hex, hex, alias, 'list'))
      }
    }
    this.aliasCache.clear()
    return result
  }

  async complete (infoHash: Buffer): Promise<void> {
    let hex = infoHash.toString('hex')
    // At most one hop: to the torrent an alias or a similar hash is served by.
    for (let hop = 0; hop < 2; hop++) {
      const reply = await this.call(async () => await this.fcall<string>('complete', hex, hex, this.now(), this.similarity && !this.registeredOnly ? 1 : 0, this.registeredOnly ? 1 : 0))
      if (reply === '' || reply === '-') return
      hex = reply
    }
  }

  async remove (hex: string): Promise<boolean> {
    const aliases = await this.call(async () => await this.redis.hget(groupKeys(this.prefix, groupTag(hex)).hash, `l:${hex}`))
    const removed = await this.fcall('remove', hex, hex) === 1
    // The script drops the aliases in the torrent's group; one elsewhere (from a state file)
    // would lead an announce to re-create the removed torrent.
    for (const alias of aliases?.split(',') ?? []) {
      if (groupTag(alias) !== groupTag(hex)) await this.call(async () => await this.fcall('alias', alias, hex, alias, 'unlink'))
    }
    this.aliasCache.clear()
    return removed
  }

  /**
   * Forgets every torrent, peer and alias under the prefix, on every node: the keys with a hash
   * tag. The deployment's own keys (lease, UDP key, import marker) stay.
   */
  async clear (): Promise<void> {
    const nodes = 'nodes' in this.redis ? this.redis.nodes('master') : [this.redis]
    await this.call(async () => {
      for (const node of nodes) {
        let cursor = '0'
        do {
          const [next, keys] = await node.scan(cursor, 'MATCH', `${globEscape(this.prefix)}{*`, 'COUNT', 1000)
          cursor = next
          // One key per command: on a cluster node, keys of one reply may be in different slots.
          await Promise.all(keys.map(async key => await node.unlink(key)))
        } while (cursor !== '0')
      }
    })
    this.aliasCache.clear()
    this.sweepGroup = 0
    this.sweepAfter = ''
  }

  /** An alias became a torrent of its own: out of its former target's list, in another group. */
  private async unlist (target: string, alias: string): Promise<void> {
    this.aliasCache.delete(alias)
    if (target === '' || groupTag(target) === groupTag(alias)) return
    await this.call(async () => await this.fcall('alias', target, target, alias, 'unlist'))
  }

  private async scrapeOne (hex: string): Promise<ScrapeEntry> {
    let [own, links] = await this.call(async () => await Promise.all([
      this.redis.hmget(swarmKeys(this.prefix, hex)[0], '#t', '#n4', '#s4', '#n6', '#s6', '#c', '#i:name', '#i'),
      this.redis.hmget(groupKeys(this.prefix, groupTag(hex)).hash, `a:${hex}`, `s:${hex.slice(0, 10)}${hex.slice(-5)}`)
    ]))
    if (this.registeredOnly && own[7] === null) throw new ClientError(UNREGISTERED)
    if (own[0] === null) {
      const target = links[0] ?? (this.similarity ? links[1] : null)
      if (target === null) return ZERO
      own = await this.call(async () => await this.redis.hmget(swarmKeys(this.prefix, target)[0], '#t', '#n4', '#s4', '#n6', '#s6', '#c', '#i:name'))
      if (own[0] === null) return ZERO
    }
    const complete = int(own[2]) + int(own[4])
    const entry: ScrapeEntry = { complete, incomplete: int(own[1]) + int(own[3]) - complete, downloaded: int(own[5]) }
    if (own[6] !== null) entry.name = JSON.parse(own[6]) as string
    return entry
  }

  private async groupSizes (): Promise<number[]> {
    return await this.call(async () => await Promise.all(Array.from({ length: GROUPS }, async (_, g) => await this.redis.zcard(groupKeys(this.prefix, groupName(g)).ids))))
  }

  private async summary (hex: string): Promise<TorrentSummary | null> {
    const [values, aliases] = await this.call(async () => await Promise.all([
      this.redis.hmget(swarmKeys(this.prefix, hex)[0], ...SUMMARY_FIELDS),
      this.redis.hget(groupKeys(this.prefix, groupTag(hex)).hash, `l:${hex}`)
    ]))
    if (values[0] === null) return null
    const complete = int(values[2]) + int(values[4])
    return {
      info_hash: hex,
      info: readInfo(values.slice(9)),
      complete,
      incomplete: int(values[1]) + int(values[3]) - complete,
      downloaded: int(values[5]),
      uploaded: int(values[6]),
      downloaded_bytes: int(values[7]),
      aliases: aliases === null ? [] : aliases.split(',')
    }
  }

  private async dump (hex: string): Promise<TorrentSnapshot | null> {
    const [[hash, , t4, , t6], aliases] = await this.call(async () => await Promise.all([
      this.fcallBuffer('dump', hex) as unknown as Promise<[Buffer[], Buffer | null, Buffer | null, Buffer | null, Buffer | null]>,
      this.redis.hget(groupKeys(this.prefix, groupTag(hex)).hash, `l:${hex}`)
    ]))
    if (hash.length === 0) return null
    const fields = new Map<string, Buffer>()
    const peers: PeerSnapshot[] = []
    for (let i = 0; i < hash.length; i += 2) {
      const field = hash[i]
      const value = hash[i + 1]
      if (field.length === 6 || field.length === 18) {
        const times = field.length === 6 ? t4 : t6
        const slot = value.readUInt32BE(0)
        peers.push({
          endpoint: field,
          peerId: value.subarray(4, 24),
          key: value.readInt32BE(24),
          counted: (value[28] & 1) !== 0,
          uploaded: value.readDoubleBE(29),
          downloaded: value.readDoubleBE(37),
          left: value.readDoubleBE(45),
          seen: times === null ? 0 : times.readUInt32BE(slot * 4)
        })
      } else {
        fields.set(field.toString('latin1'), value)
      }
    }
    const info = fields.has('#i') ? readInfo(INFO_HASH_FIELDS.map(f => fields.get(f)?.toString('utf8') ?? null)) : null
    return { infoHash: hex, info, completed: int(fields.get('#c')?.toString()), peers, aliases: aliases === null ? [] : aliases.split(',') }
  }

  /** Calls a function of the library on the swarm of `hex` (its seven keys). */
  private async fcall<T = number> (name: FunctionName, hex: string, ...args: Arg[]): Promise<T> {
    return await this.loaded(async () => await this.redis.fcall(fn(name), 7, ...swarmKeys(this.prefix, hex), ...args) as T)
  }

  private async fcallBuffer (name: FunctionName, hex: string, ...args: Arg[]): Promise<Buffer> {
    return await this.loaded(async () => await (this.redis as unknown as BufferCommands).fcallBuffer(fn(name), 7, ...swarmKeys(this.prefix, hex), ...args))
  }

  /**
   * Runs `op`, loading the function library first if a node lacks it (a new server, a flushed
   * one, a replica promoted before the library reached it) and trying once more.
   */
  private async loaded<T> (op: () => Promise<T>): Promise<T> {
    try {
      return await op()
    } catch (err) {
      if (!(err instanceof Error) || !/function not found|library not found/i.test(err.message)) throw err
      // Calls failing together wait for one load.
      this.loading ??= this.loadLibrary().finally(() => { this.loading = null })
      await this.loading
      return await op()
    }
  }

  private async loadLibrary (): Promise<void> {
    const nodes = 'nodes' in this.redis ? this.redis.nodes('master') : [this.redis]
    await Promise.all(nodes.map(async node => await node.call('FUNCTION', 'LOAD', 'REPLACE', LIBRARY)))
  }

  /**
   * Runs a Redis operation; trouble reaching Redis becomes StoreUnavailableError. While a
   * Cluster moves a slot, commands batched with others for one node come back MOVED, ASK or
   * TRYAGAIN instead of being redirected: they are tried again, after a fresh slot map for
   * MOVED, for up to about a second.
   */
  private async call<T> (op: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await op()
      } catch (err) {
        // The last one: ioredis grouped commands by node under the slot map before the move.
        const redirected = err instanceof Error && /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN) |^All keys in the pipeline should belong/.test(err.message)
        if (redirected && attempt < 12) {
          if (err.message.startsWith('MOVED') && 'refreshSlotsCache' in this.redis) {
            this.refreshing ??= new Promise<void>(resolve => { (this.redis as Cluster).refreshSlotsCache(() => resolve()) }).finally(() => { this.refreshing = null })
            await this.refreshing
          }
          await sleep(10 * attempt)
          continue
        }
        if (isScriptBug(err)) throw err
        throw new StoreUnavailableError(err)
      }
    }
  }
}

/** `text` matched literally in a SCAN pattern. */
function globEscape (text: string): string {
  return text.replace(/[*?[\]\\]/g, c => `\\${c}`)
}

/** An error raised by a script itself is a defect to log, not an outage to wait out. */
function isScriptBug (err: unknown): boolean {
  return err instanceof Error && err.name === 'ReplyError' && /(^ERR|user_function|user_script|Script attempted)/.test(err.message) && !/^(LOADING|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|BUSY|OOM)/.test(err.message)
}

function parseAnnounce (reply: Buffer, v4: boolean, wantIds: boolean): AnnounceResult {
  const complete = reply.readUInt32BE(1)
  const incomplete = reply.readUInt32BE(5)
  const downloaded = reply.readDoubleBE(9)
  const ownCount = reply.readUInt16BE(17)
  const otherCount = reply.readUInt16BE(19)
  const ownLength = v4 ? 6 : 18
  const ownEnd = HEADER_BYTES + ownCount * ownLength
  const otherEnd = ownEnd + otherCount * (v4 ? 18 : 6)
  const own = reply.subarray(HEADER_BYTES, ownEnd)
  const other = reply.subarray(ownEnd, otherEnd)
  let peerIds: Buffer[] | null = null
  if (wantIds) {
    const ids: Buffer[] = []
    for (let at = otherEnd; at < reply.length; at += PEER_ID_LENGTH) ids.push(reply.subarray(at, at + PEER_ID_LENGTH))
    // The script lists its own family's ids first; replies list IPv4 peers first.
    peerIds = v4 ? ids : ids.slice(ownCount).concat(ids.slice(0, ownCount))
  }
  return { complete, incomplete, downloaded, peers: v4 ? own : other, peers6: v4 ? other : own, peerIds }
}

function packPeer (peer: PeerSnapshot): Buffer {
  const e = peer.endpoint.length
  const b = Buffer.allocUnsafe(1 + e + 20 + 4 + 4 + 1 + 24)
  let at = b.writeUInt8(e, 0)
  at += peer.endpoint.copy(b, at)
  at += peer.peerId.copy(b, at, 0, PEER_ID_LENGTH)
  at = b.writeInt32BE(peer.key | 0, at)
  at = b.writeUInt32BE(Math.max(0, Math.floor(peer.seen)) >>> 0, at)
  at = b.writeUInt8(peer.counted ? 1 : 0, at)
  at = b.writeDoubleBE(storedCounter(peer.uploaded), at)
  at = b.writeDoubleBE(storedCounter(peer.downloaded), at)
  b.writeDoubleBE(storedCounter(peer.left), at)
  return b
}

function readInfo (values: Array<string | null>): TorrentInfo {
  const info: Record<string, unknown> = {}
  INFO_FIELDS.forEach((name, i) => {
    const v = values[i]
    if (v !== null && v !== undefined) info[name] = JSON.parse(v)
  })
  return info as TorrentInfo
}
