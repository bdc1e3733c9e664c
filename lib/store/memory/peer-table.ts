import { RecordArena } from './record-arena.ts'
import { hashBytes } from '../../bittorrent/fnv-hash.ts'
import { SlotIndex } from './slot-index.ts'
import { grown } from './typed-array.ts'

/**
 * The peers of every swarm for one address family. Each swarm's peers are fixed-size records in
 * one chunk of a shared RecordArena. A chunk of capacity C holds the C endpoints side by side,
 * then the C other parts of the records:
 *
 *   endpoint  address + port, the compact form copied straight into replies (6 or 18 bytes)
 *
 *   peer id   20 bytes
 *   key       i32, hash of the client's `key` parameter (0: none)
 *   seen      u32, seconds since the epoch of the last announce
 *   flags     u8, FLAG_COUNTED once this peer's download was counted as completed
 *   uploaded, downloaded, left   5 bytes each (see storedCounter)
 *
 * A reply is a window of consecutive endpoints, so it is copied in one or two block moves from a
 * few cache lines; with whole records side by side it would touch a line or two per peer.
 * Per swarm, only five numbers sit in typed arrays indexed by torrent id: no object per swarm.
 * Seeders occupy slots [0, seeders) and leechers [seeders, count), so that a seeder's reply
 * draws from leechers alone without filtering. Removal swaps the last record in, keeping the
 * records dense for random windows.
 *
 * Operations act on the torrent chosen by `select`.
 */
export const PEER_ID_LENGTH = 20
export const FLAG_COUNTED = 1
/** Counters below this are kept exactly; above it, in KiB. */
const COUNTER_EXACT = 2 ** 39
const COUNTER_BYTES = 5

/**
 * A transfer counter as a record keeps it, in 5 bytes: exact below 512 GiB, above that to the
 * KiB, up to 512 TiB. Session counters that large are rare, and rounding them costs /stats
 * nothing that matters; three bytes a peer add up at millions of peers. Sums kept over records
 * must add the stored value, so that taking a peer out subtracts exactly what was added.
 */
export function storedCounter (value: number): number {
  return decodeCounter(encodeCounter(value))
}

function encodeCounter (value: number): number {
  if (value < COUNTER_EXACT) return value
  return COUNTER_EXACT + Math.min(Math.floor(value / 1024), COUNTER_EXACT - 1)
}

function decodeCounter (stored: number): number {
  return stored < COUNTER_EXACT ? stored : (stored - COUNTER_EXACT) * 1024
}

/**
 * Swarms smaller than this are searched linearly: a scan of their endpoints, side by side, costs
 * no more than a hash probe, and the index would cost some 40 bytes a peer at these sizes.
 */
const INDEX_THRESHOLD = 64
const scratch = Buffer.allocUnsafe(128)
const EMPTY = Buffer.alloc(0)

export interface PeerFields {
  peerId: Uint8Array
  key: number
  uploaded: number
  downloaded: number
  left: number
}

/** Hash indexes of a large swarm, and the probe their match callbacks compare against. */
interface Indexes {
  byEndpoint: SlotIndex
  byKey: SlotIndex
  probe: Uint8Array
  probeKey: number
  endpointAt: (slot: number) => boolean
  keyAt: (slot: number) => boolean
}

export class PeerTables {
  readonly endpointLength: number
  /** Bytes a peer takes: its endpoint and the rest of its record. */
  readonly stride: number
  /** Bytes of a record after its endpoint; the offsets below are within that part. */
  private readonly restStride: number
  private readonly oId: number
  private readonly oKey: number
  private readonly oSeen: number
  private readonly oFlags: number
  private readonly oUp: number
  private readonly oDown: number
  private readonly oLeft: number
  private readonly arena: RecordArena

  /** Per torrent id: where its chunk is (page -1: none), its capacity and how it is filled. */
  private page: Int32Array = new Int32Array(0)
  private base: Int32Array = new Int32Array(0)
  private capacity: Int32Array = new Int32Array(0)
  private counts: Int32Array = new Int32Array(0)
  private seederCounts: Int32Array = new Int32Array(0)
  private readonly indexes = new Map<number, Indexes>()

  /** The selected torrent, its page, and the byte offsets of its endpoints and of its other parts. */
  private t = 0
  private r: Buffer = EMPTY
  private b = 0
  private q = 0
  private ix: Indexes | null = null

  constructor (addressLength: 4 | 16) {
    this.endpointLength = addressLength + 2
    this.oId = 0
    this.oKey = this.oId + PEER_ID_LENGTH
    this.oSeen = this.oKey + 4
    this.oFlags = this.oSeen + 4
    this.oUp = this.oFlags + 1
    this.oDown = this.oUp + COUNTER_BYTES
    this.oLeft = this.oDown + COUNTER_BYTES
    this.restStride = this.oLeft + COUNTER_BYTES
    this.stride = this.endpointLength + this.restStride
    this.arena = new RecordArena(this.stride)
  }

  /** Makes room for torrent ids below `n`. */
  grow (n: number): void {
    this.page = grown(this.page, n).fill(-1, this.page.length)
    this.base = grown(this.base, n)
    this.capacity = grown(this.capacity, n)
    this.counts = grown(this.counts, n)
    this.seederCounts = grown(this.seederCounts, n)
  }

  countOf (t: number): number {
    return this.counts[t]
  }

  seedersOf (t: number): number {
    return this.seederCounts[t]
  }

  /** Chooses the torrent the following calls act on. */
  select (t: number): void {
    this.t = t
    this.load()
  }

  /** Gives room for `n` peers of the selected torrent at once, as when loading a saved swarm. */
  reserve (n: number): void {
    if (n > this.capacity[this.t]) this.resize(this.arena.capacityFor(n))
  }

  get count (): number {
    return this.counts[this.t]
  }

  get seeders (): number {
    return this.seederCounts[this.t]
  }

  /** The slot of the peer at this endpoint, or else of the peer with this key; -1 if none. */
  find (endpoint: Uint8Array, key: number): number {
    const ix = this.ix
    if (ix !== null) {
      ix.probe = endpoint
      ix.probeKey = key
      const slot = ix.byEndpoint.find(hashBytes(endpoint, 0, endpoint.length), ix.endpointAt)
      if (slot !== -1 || key === 0) return slot
      return ix.byKey.find(key, ix.keyAt)
    }
    // The endpoints lie side by side: a scan of them reads a few cache lines. Keys, in the
    // records' other parts, are read only when no endpoint matched.
    const count = this.counts[this.t]
    for (let s = 0; s < count; s++) if (this.endpointEquals(s, endpoint)) return s
    if (key !== 0) for (let s = 0; s < count; s++) if (this.keyOf(s) === key) return s
    return -1
  }

  private endpointEquals (slot: number, endpoint: Uint8Array): boolean {
    const r = this.r
    const at = this.b + slot * this.endpointLength
    for (let i = 0; i < this.endpointLength; i++) if (r[at + i] !== endpoint[i]) return false
    return true
  }

  keyOf (slot: number): number {
    return this.r.readInt32LE(this.q + slot * this.restStride + this.oKey)
  }

  seenOf (slot: number): number {
    return this.r.readUInt32LE(this.q + slot * this.restStride + this.oSeen)
  }

  flagsOf (slot: number): number {
    return this.r[this.q + slot * this.restStride + this.oFlags]
  }

  endpoint (slot: number): Buffer {
    const at = this.b + slot * this.endpointLength
    return this.r.subarray(at, at + this.endpointLength)
  }

  peerId (slot: number): Buffer {
    const at = this.q + slot * this.restStride + this.oId
    return this.r.subarray(at, at + PEER_ID_LENGTH)
  }

  uploadedOf (slot: number): number {
    return decodeCounter(this.r.readUIntLE(this.q + slot * this.restStride + this.oUp, COUNTER_BYTES))
  }

  downloadedOf (slot: number): number {
    return decodeCounter(this.r.readUIntLE(this.q + slot * this.restStride + this.oDown, COUNTER_BYTES))
  }

  leftOf (slot: number): number {
    return decodeCounter(this.r.readUIntLE(this.q + slot * this.restStride + this.oLeft, COUNTER_BYTES))
  }

  /** Adds a peer; returns its slot. */
  add (endpoint: Uint8Array, fields: PeerFields, seen: number, flags: number): number {
    const t = this.t
    const count = this.counts[t]
    if (count === this.capacity[t]) this.resize(this.arena.capacityFor(count + 1 + (count >> 3)))
    let slot = this.counts[t]++
    this.setEndpoint(slot, endpoint)
    this.write(slot, fields, seen, flags)
    this.indexInsert(slot)
    if (fields.left === 0) slot = this.moveToSeeders(slot)
    if (this.ix === null && count + 1 > INDEX_THRESHOLD) this.buildIndex()
    return slot
  }

  /** Updates a peer in place (its endpoint may change, for a key match); returns its slot. */
  update (slot: number, endpoint: Uint8Array, fields: PeerFields, seen: number, flags: number): number {
    // The usual re-announce keeps its endpoint and key: its index entries stay valid.
    const moved = !this.endpointEquals(slot, endpoint) || this.keyOf(slot) !== (fields.key | 0)
    if (moved) this.indexRemove(slot)
    if (moved) this.setEndpoint(slot, endpoint)
    this.write(slot, fields, seen, flags)
    if (moved) this.indexInsert(slot)
    const seeding = fields.left === 0
    const seeders = this.seederCounts[this.t]
    if (seeding && slot >= seeders) return this.moveToSeeders(slot)
    if (!seeding && slot < seeders) return this.moveToLeechers(slot)
    return slot
  }

  remove (slot: number): void {
    const t = this.t
    if (slot < this.seederCounts[t]) slot = this.moveToLeechers(slot)
    this.indexRemove(slot)
    const last = this.counts[t] - 1
    if (slot !== last) {
      this.indexMove(last, slot)
      this.copySlot(last, slot)
    }
    const count = --this.counts[t]
    if (count === 0) this.resize(0)
    else if (count * 4 < this.capacity[t] && count >= 4) this.resize(this.arena.capacityFor(count * 2))
    if (this.ix !== null && count < INDEX_THRESHOLD / 2) {
      this.indexes.delete(t)
      this.ix = null
    }
  }

  /** Removes peers last seen before `cutoff`; returns how many seeders and leechers went. */
  expire (cutoff: number): { seeders: number, leechers: number, uploaded: number, downloaded: number } {
    const gone = { seeders: 0, leechers: 0, uploaded: 0, downloaded: 0 }
    for (let s = this.counts[this.t] - 1; s >= 0; s--) {
      if (this.seenOf(s) >= cutoff) continue
      if (s < this.seederCounts[this.t]) gone.seeders++
      else gone.leechers++
      gone.uploaded += this.uploadedOf(s)
      gone.downloaded += this.downloadedOf(s)
      // Whatever moves into slot s comes from a higher slot, already visited and kept.
      this.remove(s)
    }
    return gone
  }

  /**
   * Copies up to `want` endpoints from slots [from, count), a random window, skipping `skip`,
   * into `out` at `at`; returns the number copied. Peer ids go to `ids` when given.
   */
  sample (from: number, want: number, skip: number, out: Buffer, at: number, ids: Buffer[] | null): number {
    const n = this.counts[this.t] - from
    if (n <= 0 || want <= 0) return 0
    const length = this.endpointLength
    const end = from + n
    let slot = from + (n <= want + 1 ? 0 : Math.floor(Math.random() * n))
    let unvisited = n
    let copied = 0
    let o = at
    // Runs of consecutive slots, cut at the end of the range (the window wraps) and at `skip`.
    while (copied < want && unvisited > 0) {
      if (slot === end) slot = from
      if (slot === skip) {
        slot++
        unvisited--
        continue
      }
      let stop = Math.min(end, slot + want - copied, slot + unvisited)
      if (skip > slot && skip < stop) stop = skip
      o += this.r.copy(out, o, this.b + slot * length, this.b + stop * length)
      if (ids !== null) for (let k = slot; k < stop; k++) ids.push(Buffer.from(this.peerId(k)))
      copied += stop - slot
      unvisited -= stop - slot
      slot = stop
    }
    return copied
  }

  private setEndpoint (slot: number, endpoint: Uint8Array): void {
    this.r.set(endpoint, this.b + slot * this.endpointLength)
  }

  /** Copies record `from` over record `to`. */
  private copySlot (from: number, to: number): void {
    const r = this.r
    const e = this.endpointLength
    const s = this.restStride
    r.copy(r, this.b + to * e, this.b + from * e, this.b + (from + 1) * e)
    r.copy(r, this.q + to * s, this.q + from * s, this.q + (from + 1) * s)
  }

  private write (slot: number, f: PeerFields, seen: number, flags: number): void {
    const r = this.r
    const at = this.q + slot * this.restStride
    r.set(f.peerId, at + this.oId)
    r.writeInt32LE(f.key | 0, at + this.oKey)
    r.writeUInt32LE(seen >>> 0, at + this.oSeen)
    r[at + this.oFlags] = flags
    r.writeUIntLE(encodeCounter(f.uploaded), at + this.oUp, COUNTER_BYTES)
    r.writeUIntLE(encodeCounter(f.downloaded), at + this.oDown, COUNTER_BYTES)
    r.writeUIntLE(encodeCounter(f.left), at + this.oLeft, COUNTER_BYTES)
  }

  private moveToSeeders (slot: number): number {
    const to = this.seederCounts[this.t]++
    if (slot !== to) this.swap(slot, to)
    return to
  }

  private moveToLeechers (slot: number): number {
    const to = --this.seederCounts[this.t]
    if (slot !== to) this.swap(slot, to)
    return to
  }

  private swap (a: number, b: number): void {
    this.indexRemove(a)
    this.indexRemove(b)
    swapBytes(this.r, this.b, this.endpointLength, a, b)
    swapBytes(this.r, this.q, this.restStride, a, b)
    this.indexInsert(a)
    this.indexInsert(b)
  }

  private endpointHash (slot: number): number {
    const at = this.b + slot * this.endpointLength
    return hashBytes(this.r, at, at + this.endpointLength)
  }

  private indexInsert (slot: number): void {
    if (this.ix === null) return
    this.ix.byEndpoint.insert(this.endpointHash(slot), slot)
    const key = this.keyOf(slot)
    if (key !== 0) this.ix.byKey.insert(key, slot)
  }

  private indexRemove (slot: number): void {
    if (this.ix === null) return
    this.ix.byEndpoint.remove(this.endpointHash(slot), slot)
    const key = this.keyOf(slot)
    if (key !== 0) this.ix.byKey.remove(key, slot)
  }

  private indexMove (from: number, to: number): void {
    if (this.ix === null) return
    this.ix.byEndpoint.move(this.endpointHash(from), from, to)
    const key = this.keyOf(from)
    if (key !== 0) this.ix.byKey.move(key, from, to)
  }

  private buildIndex (): void {
    const count = this.counts[this.t]
    const ix: Indexes = {
      byEndpoint: new SlotIndex(count),
      byKey: new SlotIndex(count),
      probe: scratch,
      probeKey: 0,
      endpointAt: slot => this.endpointEquals(slot, ix.probe),
      keyAt: slot => this.keyOf(slot) === ix.probeKey
    }
    this.indexes.set(this.t, ix)
    this.ix = ix
    for (let s = 0; s < count; s++) this.indexInsert(s)
  }

  /** Moves the selected torrent's records to a chunk of `capacity` (0: none). */
  private resize (capacity: number): void {
    const t = this.t
    const oldPage = this.page[t]
    const oldBase = this.base[t]
    if (capacity === 0) {
      this.page[t] = -1
      this.base[t] = 0
    } else {
      this.arena.allocate(capacity)
      this.page[t] = this.arena.page
      this.base[t] = this.arena.base
      if (oldPage !== -1) {
        // Both parts move: where the second begins depends on the capacity.
        const from = this.arena.pages[oldPage]
        const to = this.arena.pages[this.arena.page]
        const count = this.counts[t]
        const e = this.endpointLength
        const oldRest = oldBase + this.capacity[t] * e
        from.copy(to, this.arena.base, oldBase, oldBase + count * e)
        from.copy(to, this.arena.base + capacity * e, oldRest, oldRest + count * this.restStride)
      }
    }
    if (oldPage !== -1) this.arena.release(oldPage, oldBase)
    this.capacity[t] = capacity
    this.load()
  }

  private load (): void {
    const t = this.t
    const page = this.page[t]
    this.r = page === -1 ? EMPTY : this.arena.pages[page]
    this.b = this.base[t]
    this.q = this.b + this.capacity[t] * this.endpointLength
    this.ix = this.indexes.size === 0 ? null : this.indexes.get(t) ?? null
  }
}

/** Swaps the `size`-byte items `a` and `b` of the array at `base` in `r`. */
function swapBytes (r: Buffer, base: number, size: number, a: number, b: number): void {
  const pa = base + a * size
  const pb = base + b * size
  r.copy(scratch, 0, pa, pa + size)
  r.copy(r, pa, pb, pb + size)
  scratch.copy(r, pb, 0, size)
}
