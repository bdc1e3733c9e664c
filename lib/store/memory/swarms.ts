import { FLAG_COUNTED, storedCounter, type PeerFields } from './peer-record.ts'
import { PeerTable } from './peer-table.ts'
import type { SwarmPeers } from './swarm-peers.ts'
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
  readonly v4 = new PeerTable(4)
  readonly v6 = new PeerTable(16)
  /** Both, for the loops over a torrent's peers (no array built per call). */
  readonly tables: readonly PeerTable[] = [this.v4, this.v6]
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
    const peers = (v4 ? this.v4 : this.v6).open(t)
    const other = v4 ? this.v6 : this.v4
    let slot = peers.find(req.endpoint, req.key)
    const seedersBefore = this.seeders(t)

    // A download counts once per peer: on `completed`, or when a peer known as a leecher comes
    // back with nothing left (clients that stop right after finishing never send `completed`).
    const finished = req.event === EVENT_COMPLETED || (req.left === 0 && slot !== -1 && slot >= peers.seeders)
    let flags = slot === -1 ? 0 : peers.flagsOf(slot)
    if (finished && (flags & FLAG_COUNTED) === 0) {
      flags |= FLAG_COUNTED
      this.completed[t]++
      delta.completed++
    }

    if (req.event === EVENT_STOPPED) {
      if (slot !== -1) {
        this.forget(peers, slot, delta)
        peers.remove(slot)
        delta.peers--
      }
      delta.seeders += this.seeders(t) - seedersBefore
      return this.result(t, EMPTY, EMPTY, null)
    }

    // The reply is drawn before the announcer is stored, and skips its existing slot.
    const seeding = req.left === 0
    const ownIds = req.wantPeerIds ? [] : null
    const otherIds = req.wantPeerIds ? [] : null
    const own = draw(peers, seeding, req.numwant, slot, ownIds)
    let rest: Buffer = EMPTY
    if (req.wantOtherFamily && other.countOf(t) > 0) {
      rest = draw(other.open(t), seeding, req.numwant - own.length / peers.endpointLength, -1, otherIds)
    }

    // The request carries every field a record keeps: no copy of it is made.
    if (slot === -1) {
      peers.add(req.endpoint, req, now, flags)
      delta.peers++
    } else {
      this.forget(peers, slot, delta)
      slot = peers.update(slot, req.endpoint, req, now, flags)
    }
    delta.uploaded += storedCounter(req.uploaded)
    delta.downloaded += storedCounter(req.downloaded)
    delta.seeders += this.seeders(t) - seedersBefore

    const ids = ownIds === null || otherIds === null ? null : v4 ? ownIds.concat(otherIds) : otherIds.concat(ownIds)
    return v4 ? this.result(t, own, rest, ids) : this.result(t, rest, own, ids)
  }

  /** Adds a peer as a snapshot holds it, keeping its last-seen time and counted flag; false if it was there. */
  restorePeer (t: number, endpoint: Buffer, fields: PeerFields, seen: number, counted: boolean, delta: SwarmDelta): boolean {
    const peers = (endpoint.length === 6 ? this.v4 : this.v6).open(t)
    if (peers.find(endpoint, fields.key) !== -1) return false
    peers.add(endpoint, fields, seen, counted ? FLAG_COUNTED : 0)
    delta.peers++
    delta.uploaded += storedCounter(fields.uploaded)
    delta.downloaded += storedCounter(fields.downloaded)
    if (fields.left === 0) delta.seeders++
    return true
  }

  /** Drops peers of torrent `t` silent since before `cutoff`. */
  expire (t: number, cutoff: number, now: number, delta: SwarmDelta): void {
    this.lastSweep[t] = now
    for (const table of this.tables) {
      if (table.countOf(t) === 0) continue
      const gone = table.open(t).expire(cutoff)
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
      const peers = table.open(t)
      for (let s = 0; s < peers.count; s++) {
        uploaded += peers.uploadedOf(s)
        downloaded += peers.downloadedOf(s)
      }
    }
    return { uploaded, downloaded }
  }

  /** Takes a peer's transfer counters out of the store's sums before it is updated or removed. */
  private forget (peers: SwarmPeers, slot: number, delta: SwarmDelta): void {
    delta.uploaded -= peers.uploadedOf(slot)
    delta.downloaded -= peers.downloadedOf(slot)
  }

  private result (t: number, peers: Buffer, peers6: Buffer, ids: Buffer[] | null): AnnounceResult {
    const complete = this.seeders(t)
    return { complete, incomplete: this.peers(t) - complete, downloaded: this.completed[t], peers, peers6, peerIds: ids }
  }
}

/** Seeders get leechers only; leechers get anyone. */
function draw (peers: SwarmPeers, seeding: boolean, want: number, skip: number, ids: Buffer[] | null): Buffer {
  const from = seeding ? peers.seeders : 0
  // Stryker disable next-line ArithmeticOperator: only sizes the reply buffer; a larger one is cut to what sample copied
  const available = peers.count - from - (skip >= from ? 1 : 0)
  const n = Math.min(want, available)
  if (n <= 0) return EMPTY
  const out = Buffer.allocUnsafe(n * peers.endpointLength)
  const copied = peers.sample(from, n, skip, out, 0, ids)
  // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator: sample copies exactly n here, so both branches give the same bytes
  return copied === n ? out : out.subarray(0, copied * peers.endpointLength)
}
