import { PeerTables, FLAG_COUNTED, storedCounter, type PeerFields } from './peer-table.ts'
import { grown } from './typed-array.ts'
import { EVENT_COMPLETED, EVENT_STOPPED, type AnnounceRequest, type AnnounceResult } from '../peer-store.ts'

const EMPTY = Buffer.alloc(0)

/** Changes to the store-wide totals caused by one operation on a swarm. */
export interface SwarmDelta {
  peers: number
  seeders: number
  completed: number
  uploaded: number
  downloaded: number
}

/**
 * Every swarm's peers (by address family) and counters, indexed by torrent id: a few numbers in
 * typed arrays per torrent, no object per torrent.
 */
export class Swarms {
  readonly v4 = new PeerTables(4)
  readonly v6 = new PeerTables(16)
  /** Both, for the loops over a torrent's peers (no array built per call). */
  readonly tables: readonly PeerTables[] = [this.v4, this.v6]
  completed: Float64Array = new Float64Array(0)
  lastSweep: Uint32Array = new Uint32Array(0)

  /** Makes room for torrent ids below `n`. */
  grow (n: number): void {
    this.completed = grown(this.completed, n)
    this.lastSweep = grown(this.lastSweep, n)
    this.v4.grow(n)
    this.v6.grow(n)
  }

  /** Starts torrent `t` afresh (ids are reused; a torrent goes only once it has no peers). */
  reset (t: number, now: number): void {
    this.completed[t] = 0
    this.lastSweep[t] = now
  }

  seeders (t: number): number {
    return this.v4.seedersOf(t) + this.v6.seedersOf(t)
  }

  peers (t: number): number {
    return this.v4.countOf(t) + this.v6.countOf(t)
  }

  announce (t: number, req: AnnounceRequest, now: number, delta: SwarmDelta): AnnounceResult {
    const v4 = req.endpoint.length === 6
    const table = v4 ? this.v4 : this.v6
    const other = v4 ? this.v6 : this.v4
    table.select(t)
    let slot = table.find(req.endpoint, req.key)
    const seedersBefore = this.seeders(t)

    // A download counts once per peer: on `completed`, or when a peer known as a leecher comes
    // back with nothing left (clients that stop right after finishing never send `completed`).
    const finished = req.event === EVENT_COMPLETED || (req.left === 0 && slot !== -1 && slot >= table.seeders)
    let flags = slot === -1 ? 0 : table.flagsOf(slot)
    if (finished && (flags & FLAG_COUNTED) === 0) {
      flags |= FLAG_COUNTED
      this.completed[t]++
      delta.completed++
    }

    if (req.event === EVENT_STOPPED) {
      if (slot !== -1) {
        this.forget(table, slot, delta)
        table.remove(slot)
        delta.peers--
      }
      delta.seeders += this.seeders(t) - seedersBefore
      return this.result(t, EMPTY, EMPTY, null)
    }

    // The reply is drawn before the announcer is stored, and skips its existing slot.
    const seeding = req.left === 0
    const ownIds = req.wantPeerIds ? [] : null
    const otherIds = req.wantPeerIds ? [] : null
    const own = this.draw(table, seeding, req.numwant, slot, ownIds)
    let rest: Buffer = EMPTY
    if (req.wantOtherFamily && other.countOf(t) > 0) {
      other.select(t)
      rest = this.draw(other, seeding, req.numwant - own.length / table.endpointLength, -1, otherIds)
    }

    // The request carries every field a record keeps: no copy of it is made.
    if (slot === -1) {
      table.add(req.endpoint, req, now, flags)
      delta.peers++
    } else {
      this.forget(table, slot, delta)
      slot = table.update(slot, req.endpoint, req, now, flags)
    }
    delta.uploaded += storedCounter(req.uploaded)
    delta.downloaded += storedCounter(req.downloaded)
    delta.seeders += this.seeders(t) - seedersBefore

    const ids = ownIds === null || otherIds === null ? null : v4 ? ownIds.concat(otherIds) : otherIds.concat(ownIds)
    return v4 ? this.result(t, own, rest, ids) : this.result(t, rest, own, ids)
  }

  /** Adds a peer as read from the state file, keeping its last-seen time and counted flag. */
  restorePeer (t: number, endpoint: Buffer, fields: PeerFields, seen: number, counted: boolean, delta: SwarmDelta): void {
    const table = endpoint.length === 6 ? this.v4 : this.v6
    table.select(t)
    if (table.find(endpoint, fields.key) !== -1) return
    table.add(endpoint, fields, seen, counted ? FLAG_COUNTED : 0)
    delta.peers++
    delta.uploaded += storedCounter(fields.uploaded)
    delta.downloaded += storedCounter(fields.downloaded)
    if (fields.left === 0) delta.seeders++
  }

  /** Drops peers of torrent `t` silent since before `cutoff`. */
  expire (t: number, cutoff: number, now: number, delta: SwarmDelta): void {
    this.lastSweep[t] = now
    for (const table of this.tables) {
      if (table.countOf(t) === 0) continue
      table.select(t)
      const gone = table.expire(cutoff)
      delta.peers -= gone.seeders + gone.leechers
      delta.seeders -= gone.seeders
      delta.uploaded -= gone.uploaded
      delta.downloaded -= gone.downloaded
    }
  }

  /** The transfer counters of torrent `t`'s peers, summed: read rarely, so not kept. */
  transferred (t: number): { uploaded: number, downloaded: number } {
    let uploaded = 0
    let downloaded = 0
    for (const table of this.tables) {
      if (table.countOf(t) === 0) continue
      table.select(t)
      for (let s = 0; s < table.count; s++) {
        uploaded += table.uploadedOf(s)
        downloaded += table.downloadedOf(s)
      }
    }
    return { uploaded, downloaded }
  }

  /** Takes a peer's transfer counters out of the store's sums before it is updated or removed. */
  private forget (table: PeerTables, slot: number, delta: SwarmDelta): void {
    delta.uploaded -= table.uploadedOf(slot)
    delta.downloaded -= table.downloadedOf(slot)
  }

  /** Seeders get leechers only; leechers get anyone. Acts on the table's selected torrent. */
  private draw (table: PeerTables, seeding: boolean, want: number, skip: number, ids: Buffer[] | null): Buffer {
    const from = seeding ? table.seeders : 0
    const available = table.count - from - (skip >= from ? 1 : 0)
    const n = Math.min(want, available)
    if (n <= 0) return EMPTY
    const out = Buffer.allocUnsafe(n * table.endpointLength)
    const copied = table.sample(from, n, skip, out, 0, ids)
    return copied === n ? out : out.subarray(0, copied * table.endpointLength)
  }

  private result (t: number, peers: Buffer, peers6: Buffer, ids: Buffer[] | null): AnnounceResult {
    const complete = this.seeders(t)
    return { complete, incomplete: this.peers(t) - complete, downloaded: this.completed[t], peers, peers6, peerIds: ids }
  }
}
