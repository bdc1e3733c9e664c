/**
 * The contract between the protocol front ends (HTTP routes, UDP) and swarm storage. Front ends
 * turn a request into an AnnounceRequest or a list of hashes and never see how peers are kept;
 * a store for several tracker instances can implement the same interface (its methods may
 * return promises, so callers always await).
 */
export const EVENT_NONE = 0
export const EVENT_STARTED = 1
export const EVENT_COMPLETED = 2
export const EVENT_STOPPED = 3
export type AnnounceEvent = typeof EVENT_NONE | typeof EVENT_STARTED | typeof EVENT_COMPLETED | typeof EVENT_STOPPED

export interface AnnounceRequest {
  infoHash: Buffer
  peerId: Buffer
  /** The peer's address (4 or 16 bytes) followed by its port, big-endian: the compact form. */
  endpoint: Buffer
  uploaded: number
  downloaded: number
  left: number
  event: AnnounceEvent
  /** Already defaulted and capped by the front end. */
  numwant: number
  /** Hash of the client's `key` parameter; 0 when absent. */
  key: number
  /** Whether the reply needs peer ids (the dictionary model). */
  wantPeerIds: boolean
  /** The member's passkey on a private tracker (from the announce URL); the store ignores it. */
  passkey?: string
  /**
   * Whether the reply may carry peers of the other address family too (HTTP's `peers6` beside
   * `peers`). BEP 15 replies carry the requester's family alone, so UDP asks for none.
   */
  wantOtherFamily: boolean
}

export interface AnnounceResult {
  complete: number
  incomplete: number
  downloaded: number
  /** Compact 6-byte IPv4 entries. */
  peers: Buffer
  /** Compact 18-byte IPv6 entries. */
  peers6: Buffer
  /** Peer ids in the order of `peers` then `peers6`, when asked for. */
  peerIds: Buffer[] | null
}

export interface ScrapeEntry {
  complete: number
  incomplete: number
  downloaded: number
  name?: string
}

export interface TorrentInfo {
  name?: string
  size?: number
  piece_length?: number
  comment?: string
  created_by?: string
  creation_date?: number
  private?: boolean
}

export interface Totals {
  torrents: number
  peers: number
  seeders: number
  leechers: number
  completed: number
  uploaded: number
  downloaded: number
}

export interface TorrentSummary {
  info_hash: string
  info: TorrentInfo
  complete: number
  incomplete: number
  downloaded: number
  uploaded: number
  downloaded_bytes: number
  aliases: string[]
}

export interface StatsQuery {
  limit: number
  offset: number
  infoHash?: string
}

/** One peer as a snapshot gives it and a restore takes it. */
export interface PeerSnapshot {
  /** 20 bytes. */
  peerId: Buffer
  /** Address (4 or 16 bytes) and port, the compact form. */
  endpoint: Buffer
  uploaded: number
  downloaded: number
  left: number
  /** Seconds since the epoch of its last announce. */
  seen: number
  /** Digest of the client's key; 0 for none. */
  key: number
  /** Its completed download has been counted (it will not count again). */
  counted: boolean
}

/** The peers of a snapshot, iterated once; `length` lets a store make room for them at once. */
export interface PeerList extends Iterable<PeerSnapshot> {
  readonly length: number
}

/** One torrent with everything a store keeps of it. */
export interface TorrentSnapshot {
  /** 40 lowercase hex digits. */
  infoHash: string
  info: TorrentInfo | null
  completed: number
  peers: PeerList
  /** Hashes (hex) served by this torrent's swarm. */
  aliases: string[]
}

export interface RestoreResult {
  /** Peers added. */
  peers: number
  /** Peers left out: silent for longer than the store's peer timeout. */
  expired: number
}

export interface PeerStore {
  /** Records the announce and answers with peers; the reply never contains the announcer. */
  announce: (request: AnnounceRequest) => AnnounceResult | Promise<AnnounceResult>
  /** Counts for each hash, in order; unknown hashes answer zeros. */
  scrape: (infoHashes: Buffer[]) => ScrapeEntry[] | Promise<ScrapeEntry[]>
  /** Creates or updates a torrent's metadata; says which. */
  setInfo: (hexHash: string, info: TorrentInfo) => 'added' | 'updated' | Promise<'added' | 'updated'>
  totals: () => Totals | Promise<Totals>
  /** One page of torrents in a stable order, or the one torrent `infoHash` names. */
  list: (query: StatsQuery) => { total: number, torrents: TorrentSummary[] } | Promise<{ total: number, torrents: TorrentSummary[] }>
  /**
   * Every torrent, one at a time (the state file is written from this). The Buffers in a
   * snapshot may be views into the store, valid until the iteration moves on.
   */
  snapshot: () => Iterable<TorrentSnapshot> | AsyncIterable<TorrentSnapshot>
  /**
   * Merges a torrent as a snapshot gives it: metadata over what is there, the larger completed
   * count, the peers not already present nor expired, and its aliases (an alias that is a
   * torrent of its own is left out).
   */
  restore: (torrent: TorrentSnapshot) => RestoreResult | Promise<RestoreResult>
  /**
   * Counts a finished download seen by a front end that keeps its peers itself (WebSocket), so
   * the torrent's `downloaded` is one figure whatever the transport. The torrent is created if
   * new, or the one serving the hash (alias, similar hash) counts it; with registered torrents
   * only, an unregistered hash counts nothing.
   */
  complete: (infoHash: Buffer) => void | Promise<void>
  /** Unregisters a torrent: it goes with its peers, metadata, counts and aliases; false if unknown. */
  remove: (hexHash: string) => boolean | Promise<boolean>
  /** Forgets every torrent, peer and alias. */
  clear: () => void | Promise<void>
}

/** What a store answers for a hash it does not track when only registered torrents are (whitelist). */
export const UNREGISTERED = 'unregistered torrent'
