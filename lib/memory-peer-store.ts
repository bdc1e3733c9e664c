import { SimilarityIndex } from './hash-similarity.ts'
import { PeerTable, type PeerFields } from './peer-table.ts'
import { Swarm, type SwarmDelta } from './swarm.ts'
import type {
  AnnounceRequest, AnnounceResult, PeerStore, ScrapeEntry, StatsQuery, TorrentInfo, TorrentSummary, Totals
} from './peer-store.ts'

export interface MemoryPeerStoreOptions {
  /** Seconds of silence after which a peer is dropped. */
  peerTimeout: number
  /** 0 turns hash similarity off. */
  similarityThreshold: number
  /** Seconds since the epoch; replaceable so that tests can move time. */
  now?: () => number
}

const ZERO: ScrapeEntry = Object.freeze({ complete: 0, incomplete: 0, downloaded: 0 })

/** All swarms of this process, in memory, keyed by the lowercase hex info hash. */
export class MemoryPeerStore implements PeerStore {
  readonly torrents = new Map<string, Swarm>()
  /** Alias hash to the hash whose swarm serves it. */
  readonly aliases = new Map<string, string>()
  readonly peerTimeout: number
  readonly now: () => number
  private readonly similar: SimilarityIndex
  private readonly sweepEvery: number
  private readonly delta: SwarmDelta = { peers: 0, seeders: 0, completed: 0, uploaded: 0, downloaded: 0 }
  private readonly sums = { peers: 0, seeders: 0, completed: 0, uploaded: 0, downloaded: 0 }
  private sweepCursor: Iterator<[string, Swarm]> | null = null

  constructor (options: MemoryPeerStoreOptions) {
    this.peerTimeout = options.peerTimeout
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000))
    this.similar = new SimilarityIndex(options.similarityThreshold)
    // A touched swarm is swept at most this often, so expired peers leave replies quickly
    // without the sweep's cost landing on every announce.
    this.sweepEvery = Math.max(1, Math.min(60, Math.floor(this.peerTimeout / 10)))
  }

  announce (req: AnnounceRequest): AnnounceResult {
    const now = this.now()
    const swarm = this.resolve(req.infoHash.toString('hex'), true)
    if (now - swarm.lastSweep >= this.sweepEvery) swarm.expire(now - this.peerTimeout, now, this.delta)
    const result = swarm.announce(req, now, this.delta)
    this.applyDelta()
    return result
  }

  scrape (infoHashes: Buffer[]): ScrapeEntry[] {
    return infoHashes.map(hash => {
      const swarm = this.resolve(hash.toString('hex'), false)
      if (swarm === undefined) return ZERO
      const complete = swarm.seeders
      const entry: ScrapeEntry = { complete, incomplete: swarm.peers - complete, downloaded: swarm.completed }
      if (swarm.info?.name !== undefined) entry.name = swarm.info.name
      return entry
    })
  }

  setInfo (hex: string, info: TorrentInfo): 'added' | 'updated' {
    let swarm = this.torrents.get(hex)
    const existed = swarm?.info != null
    if (swarm === undefined) {
      // A registered torrent stands on its own, even where it had been served as an alias.
      this.dropAlias(hex)
      swarm = this.create(hex)
    }
    swarm.info = { ...swarm.info, ...info }
    return existed ? 'updated' : 'added'
  }

  totals (): Totals {
    const s = this.sums
    return { torrents: this.torrents.size, peers: s.peers, seeders: s.seeders, leechers: s.peers - s.seeders, completed: s.completed, uploaded: s.uploaded, downloaded: s.downloaded }
  }

  list (query: StatsQuery): { total: number, torrents: TorrentSummary[] } {
    if (query.infoHash !== undefined) {
      const hex = this.aliases.get(query.infoHash) ?? query.infoHash
      const swarm = this.torrents.get(hex)
      return { total: swarm === undefined ? 0 : 1, torrents: swarm === undefined ? [] : [summary(hex, swarm)] }
    }
    const page: TorrentSummary[] = []
    let i = 0
    const end = query.offset + query.limit
    for (const [hex, swarm] of this.torrents) {
      if (i >= end) break
      if (i++ >= query.offset) page.push(summary(hex, swarm))
    }
    return { total: this.torrents.size, torrents: page }
  }

  /**
   * Sweeps up to `budget` swarms, resuming where the last call stopped, so that idle swarms lose
   * their expired peers without any single call walking every torrent.
   */
  sweepStep (budget: number): void {
    const now = this.now()
    const cutoff = now - this.peerTimeout
    this.sweepCursor ??= this.torrents.entries()
    for (let n = 0; n < budget; n++) {
      const next = this.sweepCursor.next()
      if (next.done === true) {
        this.sweepCursor = null
        break
      }
      const [hex, swarm] = next.value
      swarm.expire(cutoff, now, this.delta)
      if (swarm.disposable) this.delete(hex)
    }
    this.applyDelta()
  }

  /** Adds a torrent as read from the state file; returns its swarm for the peers to follow. */
  restoreTorrent (hex: string, info: TorrentInfo | null, completed: number, peers: number): Swarm {
    const swarm = this.torrents.get(hex) ?? this.create(hex)
    // Sized once for the peers to come (most are IPv4), instead of growing peer by peer.
    if (peers > 0) swarm.v4 ??= new PeerTable(4, peers)
    swarm.info = info
    swarm.completed = completed
    this.sums.completed += completed
    return swarm
  }

  /** Adds a peer as read from the state file. */
  restorePeer (swarm: Swarm, endpoint: Buffer, fields: PeerFields, seen: number, counted: boolean): void {
    swarm.restorePeer(endpoint, fields, seen, counted, this.delta)
    this.applyDelta()
  }

  restoreAlias (alias: string, target: string): void {
    const swarm = this.torrents.get(target)
    if (swarm === undefined || this.torrents.has(alias)) return
    this.aliases.set(alias, target)
    ;(swarm.aliases ??= []).push(alias)
  }

  /** The swarm serving this hash: its own, or the one it is an alias of, or a new one. */
  private resolve (hex: string, create: true): Swarm
  private resolve (hex: string, create: false): Swarm | undefined
  private resolve (hex: string, create: boolean): Swarm | undefined {
    const own = this.torrents.get(hex)
    if (own !== undefined) return own
    const target = this.aliases.get(hex) ?? this.similar.find(hex)
    if (target !== null) {
      const swarm = this.torrents.get(target)
      if (swarm !== undefined) {
        if (create && !this.aliases.has(hex)) {
          this.aliases.set(hex, target)
          ;(swarm.aliases ??= []).push(hex)
        }
        return swarm
      }
    }
    return create ? this.create(hex) : undefined
  }

  private create (hex: string): Swarm {
    const swarm = new Swarm(this.now())
    this.torrents.set(hex, swarm)
    this.similar.add(hex)
    return swarm
  }

  private delete (hex: string): void {
    this.torrents.delete(hex)
    this.similar.delete(hex)
  }

  private dropAlias (hex: string): void {
    const target = this.aliases.get(hex)
    if (target === undefined) return
    this.aliases.delete(hex)
    const swarm = this.torrents.get(target)
    if (swarm?.aliases != null) {
      swarm.aliases = swarm.aliases.filter(a => a !== hex)
      if (swarm.aliases.length === 0) swarm.aliases = null
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

function summary (hex: string, swarm: Swarm): TorrentSummary {
  const complete = swarm.seeders
  return {
    info_hash: hex,
    info: swarm.info ?? {},
    complete,
    incomplete: swarm.peers - complete,
    downloaded: swarm.completed,
    uploaded: swarm.uploaded,
    downloaded_bytes: swarm.downloaded,
    aliases: swarm.aliases ?? []
  }
}
