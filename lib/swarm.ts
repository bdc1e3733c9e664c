import { PeerTable, FLAG_COUNTED, type PeerFields } from './peer-table.ts'
import { EVENT_COMPLETED, EVENT_STOPPED, type AnnounceRequest, type AnnounceResult, type TorrentInfo } from './peer-store.ts'

const EMPTY = Buffer.alloc(0)

/** Changes to the store-wide totals caused by one operation on a swarm. */
export interface SwarmDelta {
  peers: number
  seeders: number
  completed: number
  uploaded: number
  downloaded: number
}

/** One torrent: its peers by address family, its counters and its registered metadata. */
export class Swarm {
  v4: PeerTable | null = null
  v6: PeerTable | null = null
  completed = 0
  uploaded = 0
  downloaded = 0
  info: TorrentInfo | null = null
  aliases: string[] | null = null
  lastSweep: number

  constructor (now: number) {
    this.lastSweep = now
  }

  get seeders (): number {
    return (this.v4?.seeders ?? 0) + (this.v6?.seeders ?? 0)
  }

  get peers (): number {
    return (this.v4?.count ?? 0) + (this.v6?.count ?? 0)
  }

  /** Nothing here worth keeping: no peers, metadata, download count or aliases. */
  get disposable (): boolean {
    return this.peers === 0 && this.info === null && this.completed === 0 && this.aliases === null
  }

  announce (req: AnnounceRequest, now: number, delta: SwarmDelta): AnnounceResult {
    const v4 = req.endpoint.length === 6
    const table = v4 ? (this.v4 ??= new PeerTable(4)) : (this.v6 ??= new PeerTable(16))
    let slot = table.find(req.endpoint, req.key)
    const seedersBefore = this.seeders

    // A download counts once per peer: on `completed`, or when a peer known as a leecher comes
    // back with nothing left (clients that stop right after finishing never send `completed`).
    const finished = req.event === EVENT_COMPLETED || (req.left === 0 && slot !== -1 && slot >= table.seeders)
    let flags = slot === -1 ? 0 : table.flagsOf(slot)
    if (finished && (flags & FLAG_COUNTED) === 0) {
      flags |= FLAG_COUNTED
      this.completed++
      delta.completed++
    }

    if (req.event === EVENT_STOPPED) {
      if (slot !== -1) {
        this.forget(table, slot, delta)
        table.remove(slot)
        delta.peers--
      }
      delta.seeders += this.seeders - seedersBefore
      return this.result(EMPTY, EMPTY, null)
    }

    // The reply is drawn before the announcer is stored, and skips its existing slot.
    const seeding = req.left === 0
    const ownIds = req.wantPeerIds ? [] : null
    const otherIds = req.wantPeerIds ? [] : null
    const other = v4 ? this.v6 : this.v4
    const own = this.draw(table, seeding, req.numwant, slot, ownIds)
    const rest = other === null ? EMPTY : this.draw(other, seeding, req.numwant - own.length / table.endpointLength, -1, otherIds)

    // The request carries every field a record keeps: no copy of it is made.
    if (slot === -1) {
      table.add(req.endpoint, req, now, flags)
      delta.peers++
    } else {
      this.forget(table, slot, delta)
      slot = table.update(slot, req.endpoint, req, now, flags)
    }
    this.uploaded += req.uploaded
    this.downloaded += req.downloaded
    delta.uploaded += req.uploaded
    delta.downloaded += req.downloaded
    delta.seeders += this.seeders - seedersBefore

    const ids = ownIds === null || otherIds === null ? null : v4 ? ownIds.concat(otherIds) : otherIds.concat(ownIds)
    return v4 ? this.result(own, rest, ids) : this.result(rest, own, ids)
  }

  /** Adds a peer as read from the state file, keeping its last-seen time and counted flag. */
  restorePeer (endpoint: Buffer, fields: PeerFields, seen: number, counted: boolean, delta: SwarmDelta): void {
    const table = endpoint.length === 6 ? (this.v4 ??= new PeerTable(4)) : (this.v6 ??= new PeerTable(16))
    if (table.find(endpoint, fields.key) !== -1) return
    table.add(endpoint, fields, seen, counted ? FLAG_COUNTED : 0)
    this.uploaded += fields.uploaded
    this.downloaded += fields.downloaded
    delta.peers++
    delta.uploaded += fields.uploaded
    delta.downloaded += fields.downloaded
    if (fields.left === 0) delta.seeders++
  }

  /** Drops peers silent since before `cutoff`. */
  expire (cutoff: number, now: number, delta: SwarmDelta): void {
    this.lastSweep = now
    for (const table of [this.v4, this.v6]) {
      if (table === null) continue
      const gone = table.expire(cutoff)
      delta.peers -= gone.seeders + gone.leechers
      delta.seeders -= gone.seeders
      delta.uploaded -= gone.uploaded
      delta.downloaded -= gone.downloaded
      this.uploaded -= gone.uploaded
      this.downloaded -= gone.downloaded
    }
  }

  /** Takes a peer's transfer counters out of the sums before it is updated or removed. */
  private forget (table: PeerTable, slot: number, delta: SwarmDelta): void {
    const up = table.uploadedOf(slot)
    const down = table.downloadedOf(slot)
    this.uploaded -= up
    this.downloaded -= down
    delta.uploaded -= up
    delta.downloaded -= down
  }

  /** Seeders get leechers only; leechers get anyone. */
  private draw (table: PeerTable, seeding: boolean, want: number, skip: number, ids: Buffer[] | null): Buffer {
    const from = seeding ? table.seeders : 0
    const available = table.count - from - (skip >= from ? 1 : 0)
    const n = Math.min(want, available)
    if (n <= 0) return EMPTY
    const out = Buffer.allocUnsafe(n * table.endpointLength)
    const copied = table.sample(from, n, skip, out, 0, ids)
    return copied === n ? out : out.subarray(0, copied * table.endpointLength)
  }

  private result (peers: Buffer, peers6: Buffer, ids: Buffer[] | null): AnnounceResult {
    const complete = this.seeders
    return { complete, incomplete: this.peers - complete, downloaded: this.completed, peers, peers6, peerIds: ids }
  }
}
