import { SimilarityIndex } from './hash-similarity.ts'
import { FLAG_COUNTED } from './peer-record.ts'
import { Swarms, type SwarmDelta } from './swarms.ts'
import { TorrentIds } from './torrent-ids.ts'
import { ClientError } from '../../bittorrent/client-error.ts'
import { UNREGISTERED } from '../peer-store.ts'
import type {
  AnnounceRequest, AnnounceResult, PeerSnapshot, PeerStore, RestoreResult, ScrapeEntry, StatsQuery, TorrentInfo,
  TorrentSnapshot, TorrentSummary, Totals
} from '../peer-store.ts'

export interface MemoryPeerStoreOptions {
  /** Seconds of silence after which a peer is dropped. */
  peerTimeout: number
  /** 0 turns hash similarity off. */
  similarityThreshold: number
  /** Seconds since the epoch; replaceable so that tests can move time. */
  now?: () => number
  /**
   * Track registered torrents only (those given metadata by setInfo or a restore): any other
   * hash is refused with a ClientError before anything is stored for it.
   */
  registeredOnly?: boolean
}

const ZERO: ScrapeEntry = Object.freeze({ complete: 0, incomplete: 0, downloaded: 0 })

/** All swarms of this process, in memory, by torrent id. */
export class MemoryPeerStore implements PeerStore {
  ids = new TorrentIds()
  swarms = new Swarms()
  /** Registered metadata and the hashes served as aliases, for the few torrents that have them. */
  readonly info = new Map<number, TorrentInfo>()
  readonly aliasesOf = new Map<number, string[]>()
  /** Alias hash (hex) to the id of the torrent whose swarm serves it. */
  readonly aliases = new Map<string, number>()
  readonly peerTimeout: number
  readonly now: () => number
  private similar: SimilarityIndex
  private readonly similarityThreshold: number
  private readonly sweepEvery: number
  private readonly delta: SwarmDelta = { peers: 0, seeders: 0, completed: 0, uploaded: 0, downloaded: 0 }
  private readonly sums = { peers: 0, seeders: 0, completed: 0, uploaded: 0, downloaded: 0 }
  private sweepCursor = 0
  private readonly registeredOnly: boolean

  constructor (options: MemoryPeerStoreOptions) {
    this.peerTimeout = options.peerTimeout
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000))
    this.similarityThreshold = options.similarityThreshold
    this.similar = new SimilarityIndex(options.similarityThreshold, this.ids)
    this.registeredOnly = options.registeredOnly ?? false
    // A touched swarm is swept at most this often, so expired peers leave replies quickly
    // without the sweep's cost landing on every announce.
    this.sweepEvery = Math.max(1, Math.min(60, Math.floor(this.peerTimeout / 10)))
  }

  /** Forgets every torrent, peer and alias: for a load that has to start over. */
  clear (): void {
    this.ids = new TorrentIds()
    this.swarms = new Swarms()
    this.similar = new SimilarityIndex(this.similarityThreshold, this.ids)
    this.info.clear()
    this.aliasesOf.clear()
    this.aliases.clear()
    for (const key of Object.keys(this.sums) as Array<keyof typeof this.sums>) this.sums[key] = 0
    this.sweepCursor = 0
  }

  announce (req: AnnounceRequest): AnnounceResult {
    const now = this.now()
    const t = this.registeredOnly ? this.registered(req.infoHash) : this.resolve(req.infoHash, true)
    if (now - this.swarms.lastSweep[t] >= this.sweepEvery) this.swarms.expire(t, now - this.peerTimeout, now, this.delta)
    const result = this.swarms.announce(t, req, now, this.delta)
    this.applyDelta()
    return result
  }

  scrape (infoHashes: Buffer[]): ScrapeEntry[] {
    return infoHashes.map(hash => {
      const t = this.registeredOnly ? this.registered(hash) : this.resolve(hash, false)
      if (t === -1) return ZERO
      const complete = this.swarms.seeders(t)
      const entry: ScrapeEntry = { complete, incomplete: this.swarms.peers(t) - complete, downloaded: this.swarms.completed[t] }
      const name = this.info.get(t)?.name
      if (name !== undefined) entry.name = name
      return entry
    })
  }

  setInfo (hex: string, info: TorrentInfo): 'added' | 'updated' {
    const hash = Buffer.from(hex, 'hex')
    let t = this.ids.get(hash)
    if (t === -1) {
      // A registered torrent stands on its own, even where it had been served as an alias.
      this.dropAlias(hex)
      t = this.create(hash)
    }
    const had = this.info.get(t)
    this.info.set(t, { ...had, ...info })
    return had === undefined ? 'added' : 'updated'
  }

  complete (infoHash: Buffer): void {
    let t: number
    if (this.registeredOnly) {
      t = this.ids.get(infoHash)
      if (t === -1 || !this.info.has(t)) return
    } else {
      t = this.resolve(infoHash, false)
      if (t === -1) t = this.create(infoHash)
    }
    this.swarms.completed[t]++
    this.sums.completed++
  }

  totals (): Totals {
    const s = this.sums
    return { torrents: this.ids.size, peers: s.peers, seeders: s.seeders, leechers: s.peers - s.seeders, completed: s.completed, uploaded: s.uploaded, downloaded: s.downloaded }
  }

  list (query: StatsQuery): { total: number, torrents: TorrentSummary[] } {
    if (query.infoHash !== undefined) {
      const t = this.aliases.get(query.infoHash) ?? this.ids.get(Buffer.from(query.infoHash, 'hex'))
      return { total: t === -1 ? 0 : 1, torrents: t === -1 ? [] : [this.summary(t)] }
    }
    const page: TorrentSummary[] = []
    let i = 0
    const end = query.offset + query.limit
    for (let t = 0; t < this.ids.end && i < end; t++) {
      if (!this.ids.has(t)) continue
      if (i++ >= query.offset) page.push(this.summary(t))
    }
    return { total: this.ids.size, torrents: page }
  }

  /**
   * Sweeps up to `budget` torrent ids, resuming where the last call stopped, so that idle swarms
   * lose their expired peers without any single call walking every torrent.
   */
  sweepStep (budget: number): void {
    const now = this.now()
    const cutoff = now - this.peerTimeout
    for (let n = 0; n < budget; n++) {
      if (this.sweepCursor >= this.ids.end) {
        this.sweepCursor = 0
        break
      }
      const t = this.sweepCursor++
      if (!this.ids.has(t)) continue
      this.swarms.expire(t, cutoff, now, this.delta)
      if (this.disposable(t)) this.delete(t)
    }
    this.applyDelta()
  }

  * snapshot (): Generator<TorrentSnapshot> {
    const { ids, swarms } = this
    for (let t = 0; t < ids.end; t++) {
      if (!ids.has(t)) continue
      const peers: PeerSnapshot[] = []
      for (const table of swarms.tables) {
        if (table.countOf(t) === 0) continue
        const swarm = table.open(t)
        for (let s = 0; s < swarm.count; s++) {
          peers.push({
            peerId: swarm.peerId(s),
            endpoint: swarm.endpoint(s),
            uploaded: swarm.uploadedOf(s),
            downloaded: swarm.downloadedOf(s),
            left: swarm.leftOf(s),
            seen: swarm.seenOf(s),
            key: swarm.keyOf(s),
            counted: (swarm.flagsOf(s) & FLAG_COUNTED) !== 0
          })
        }
      }
      yield { infoHash: ids.hex(t), info: this.info.get(t) ?? null, completed: swarms.completed[t], peers, aliases: this.aliasesOf.get(t) ?? [] }
    }
  }

  restore (torrent: TorrentSnapshot): RestoreResult {
    const hash = Buffer.from(torrent.infoHash, 'hex')
    let t = this.ids.get(hash)
    if (t === -1) {
      this.dropAlias(torrent.infoHash)
      t = this.create(hash)
    }
    if (torrent.info !== null) this.info.set(t, { ...this.info.get(t), ...torrent.info })
    if (torrent.completed > this.swarms.completed[t]) {
      this.sums.completed += torrent.completed - this.swarms.completed[t]
      this.swarms.completed[t] = torrent.completed
    }
    const result = { peers: 0, expired: 0 }
    const now = this.now()
    const cutoff = now - this.peerTimeout
    // Sized once for the peers to come (most are IPv4), instead of growing peer by peer.
    // Stryker disable next-line ConditionalExpression,EqualityOperator: reserving room ahead changes speed only
    if (torrent.peers.length > 1) this.swarms.v4.open(t).reserve(torrent.peers.length)
    for (const peer of torrent.peers) {
      // A peer seen "later than now" (a clock set back, an edited file) is taken as seen now:
      // kept as it was, it would outlive the timeout.
      if (peer.seen < cutoff) result.expired++
      else if (this.swarms.restorePeer(t, peer.endpoint, peer, Math.min(peer.seen, now), peer.counted, this.delta)) result.peers++
    }
    this.applyDelta()
    for (const alias of torrent.aliases) {
      if (!this.aliases.has(alias) && this.ids.get(Buffer.from(alias, 'hex')) === -1) this.addAlias(alias, t)
    }
    return result
  }

  /** Unregisters torrent `hex`: its peers, counts, metadata and aliases go with it. */
  remove (hex: string): boolean {
    const t = this.ids.get(Buffer.from(hex, 'hex'))
    if (t === -1) return false
    // Every peer is older than a cutoff in the future.
    this.swarms.expire(t, Infinity, this.now(), this.delta)
    this.applyDelta()
    this.sums.completed -= this.swarms.completed[t]
    this.info.delete(t)
    // Stryker disable next-line ArrayDeclaration: deleting a name that is no alias (they are hex) changes nothing
    for (const alias of this.aliasesOf.get(t) ?? []) this.aliases.delete(alias)
    this.aliasesOf.delete(t)
    this.delete(t)
    return true
  }

  /** The registered torrent of this very hash; anything else is refused (no alias, no similar). */
  private registered (hash: Buffer): number {
    const t = this.ids.get(hash)
    if (t === -1 || !this.info.has(t)) throw new ClientError(UNREGISTERED)
    return t
  }

  /** The torrent serving this hash: its own, or the one it is an alias of, or a new one; -1 if none. */
  private resolve (hash: Buffer, create: boolean): number {
    const own = this.ids.get(hash)
    if (own !== -1) return own
    const hex = hash.toString('hex')
    const alias = this.aliases.get(hex)
    if (alias !== undefined) return alias
    const similar = this.similar.find(hash)
    if (similar !== -1) {
      if (create) this.addAlias(hex, similar)
      return similar
    }
    return create ? this.create(hash) : -1
  }

  private addAlias (hex: string, t: number): void {
    this.aliases.set(hex, t)
    const list = this.aliasesOf.get(t)
    if (list === undefined) this.aliasesOf.set(t, [hex])
    else list.push(hex)
  }

  private create (hash: Buffer): number {
    const t = this.ids.add(hash)
    if (this.swarms.lastSweep.length < this.ids.capacity) this.swarms.grow(this.ids.capacity)
    this.swarms.reset(t, this.now())
    this.similar.add(t)
    return t
  }

  /** Nothing here worth keeping: no peers, metadata, download count or aliases. */
  private disposable (t: number): boolean {
    return this.swarms.peers(t) === 0 && this.swarms.completed[t] === 0 && !this.info.has(t) && !this.aliasesOf.has(t)
  }

  private delete (t: number): void {
    this.similar.delete(t)
    this.ids.delete(t)
  }

  private dropAlias (hex: string): void {
    const t = this.aliases.get(hex)
    if (t === undefined) return
    this.aliases.delete(hex)
    // Stryker disable next-line ArrayDeclaration: never used: a hash in `aliases` always has its torrent's list in `aliasesOf`
    const rest = (this.aliasesOf.get(t) ?? []).filter(a => a !== hex)
    if (rest.length === 0) this.aliasesOf.delete(t)
    else this.aliasesOf.set(t, rest)
  }

  private summary (t: number): TorrentSummary {
    const swarms = this.swarms
    const complete = swarms.seeders(t)
    const { uploaded, downloaded } = swarms.transferred(t)
    return {
      info_hash: this.ids.hex(t),
      info: this.info.get(t) ?? {},
      complete,
      incomplete: swarms.peers(t) - complete,
      downloaded: swarms.completed[t],
      uploaded,
      downloaded_bytes: downloaded,
      aliases: this.aliasesOf.get(t) ?? []
    }
  }

  private applyDelta (): void {
    const d = this.delta
    const s = this.sums
    s.peers += d.peers
    s.seeders += d.seeders
    s.completed += d.completed
    s.uploaded += d.uploaded
    s.downloaded += d.downloaded
    d.peers = d.seeders = d.completed = d.uploaded = d.downloaded = 0
  }
}
