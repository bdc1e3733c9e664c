import { SlotIndex, hashBytes } from './slot-index.ts'

/**
 * The peers of one swarm and one address family, packed in fixed-size records in one Buffer:
 *
 *   endpoint  address + port, the compact form copied straight into replies (6 or 18 bytes)
 *   peer id   20 bytes
 *   key       u32, hash of the client's `key` parameter (0: none)
 *   seen      u32, seconds since the epoch of the last announce
 *   flags     u8, COUNTED once this peer's download was counted as completed
 *   uploaded, downloaded, left   u48 each (256 TiB)
 *
 * Seeders occupy slots [0, seeders) and leechers [seeders, count), so that a seeder's reply
 * draws from leechers alone without filtering. Removal swaps the last record in, keeping the
 * records dense for random windows.
 */
export const PEER_ID_LENGTH = 20
export const FLAG_COUNTED = 1
const U48_MAX = 2 ** 48 - 1

/** Swarms smaller than this are searched linearly: cheaper than hashing, and no index memory. */
const INDEX_THRESHOLD = 16
const scratch = Buffer.allocUnsafe(128)

export interface PeerFields {
  peerId: Uint8Array
  key: number
  uploaded: number
  downloaded: number
  left: number
}

/** Record offsets for one address family: shared by every table of that family. */
class Layout {
  readonly endpointLength: number
  readonly oId: number
  readonly oKey: number
  readonly oSeen: number
  readonly oFlags: number
  readonly oUp: number
  readonly oDown: number
  readonly oLeft: number
  readonly stride: number

  constructor (addressLength: 4 | 16) {
    this.endpointLength = addressLength + 2
    this.oId = this.endpointLength
    this.oKey = this.oId + PEER_ID_LENGTH
    this.oSeen = this.oKey + 4
    this.oFlags = this.oSeen + 4
    this.oUp = this.oFlags + 1
    this.oDown = this.oUp + 6
    this.oLeft = this.oDown + 6
    this.stride = this.oLeft + 6
  }
}
const layouts = { 4: new Layout(4), 16: new Layout(16) }

/** Hash indexes of a large table, and the probe their match callbacks compare against. */
interface Indexes {
  byEndpoint: SlotIndex
  byKey: SlotIndex
  probe: Uint8Array
  probeKey: number
  endpointAt: (slot: number) => boolean
  keyAt: (slot: number) => boolean
}

export class PeerTable {
  /** A swarm holds one table per family and a tracker holds many swarms: keep the fields few. */
  private readonly l: Layout
  records: Buffer
  count = 0
  seeders = 0
  private ix: Indexes | null = null

  constructor (addressLength: 4 | 16, capacity = 2) {
    this.l = layouts[addressLength]
    this.records = allocate(capacity * this.l.stride)
  }

  get endpointLength (): number {
    return this.l.endpointLength
  }

  get stride (): number {
    return this.l.stride
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
    let byKey = -1
    for (let s = 0; s < this.count; s++) {
      if (this.endpointEquals(s, endpoint)) return s
      if (key !== 0 && byKey === -1 && this.keyOf(s) === key) byKey = s
    }
    return byKey
  }

  private endpointEquals (slot: number, endpoint: Uint8Array): boolean {
    const r = this.records
    const at = slot * this.stride
    for (let i = 0; i < this.endpointLength; i++) if (r[at + i] !== endpoint[i]) return false
    return true
  }

  keyOf (slot: number): number {
    return this.records.readInt32LE(slot * this.stride + this.l.oKey)
  }

  seenOf (slot: number): number {
    return this.records.readUInt32LE(slot * this.stride + this.l.oSeen)
  }

  flagsOf (slot: number): number {
    return this.records[slot * this.stride + this.l.oFlags]
  }

  setFlags (slot: number, flags: number): void {
    this.records[slot * this.stride + this.l.oFlags] = flags
  }

  endpoint (slot: number): Buffer {
    const at = slot * this.stride
    return this.records.subarray(at, at + this.endpointLength)
  }

  peerId (slot: number): Buffer {
    const at = slot * this.stride + this.l.oId
    return this.records.subarray(at, at + PEER_ID_LENGTH)
  }

  uploadedOf (slot: number): number {
    return this.records.readUIntLE(slot * this.stride + this.l.oUp, 6)
  }

  downloadedOf (slot: number): number {
    return this.records.readUIntLE(slot * this.stride + this.l.oDown, 6)
  }

  leftOf (slot: number): number {
    return this.records.readUIntLE(slot * this.stride + this.l.oLeft, 6)
  }

  /** Adds a peer; returns its slot. */
  add (endpoint: Uint8Array, fields: PeerFields, seen: number, flags: number): number {
    // Modest growth: most swarms are small and a tracker holds very many of them.
    if (this.count * this.stride === this.records.length) this.resize(this.count + 2 + (this.count >> 2))
    let slot = this.count++
    this.records.set(endpoint, slot * this.stride)
    this.write(slot, fields, seen, flags)
    this.indexInsert(slot)
    if (fields.left === 0) slot = this.moveToSeeders(slot)
    if (this.ix === null && this.count > INDEX_THRESHOLD) this.buildIndex()
    return slot
  }

  /** Updates a peer in place (its endpoint may change, for a key match); returns its slot. */
  update (slot: number, endpoint: Uint8Array, fields: PeerFields, seen: number, flags: number): number {
    // The usual re-announce keeps its endpoint and key: its index entries stay valid.
    const moved = !this.endpointEquals(slot, endpoint) || this.keyOf(slot) !== (fields.key | 0)
    if (moved) this.indexRemove(slot)
    this.records.set(endpoint, slot * this.stride)
    this.write(slot, fields, seen, flags)
    if (moved) this.indexInsert(slot)
    const seeding = fields.left === 0
    if (seeding && slot >= this.seeders) return this.moveToSeeders(slot)
    if (!seeding && slot < this.seeders) return this.moveToLeechers(slot)
    return slot
  }

  remove (slot: number): void {
    if (slot < this.seeders) slot = this.moveToLeechers(slot)
    this.indexRemove(slot)
    const last = this.count - 1
    if (slot !== last) {
      this.indexMove(last, slot)
      this.records.copy(this.records, slot * this.stride, last * this.stride, (last + 1) * this.stride)
    }
    this.count--
    if (this.count * 4 < this.records.length / this.stride && this.count >= 4) this.resize(this.count * 2)
    if (this.ix !== null && this.count < INDEX_THRESHOLD / 2) this.ix = null
  }

  /** Removes peers last seen before `cutoff`; returns how many seeders and leechers went. */
  expire (cutoff: number): { seeders: number, leechers: number, uploaded: number, downloaded: number } {
    const gone = { seeders: 0, leechers: 0, uploaded: 0, downloaded: 0 }
    for (let s = this.count - 1; s >= 0; s--) {
      if (this.seenOf(s) >= cutoff) continue
      if (s < this.seeders) gone.seeders++
      else gone.leechers++
      gone.uploaded += this.uploadedOf(s)
      gone.downloaded += this.downloadedOf(s)
      // Whatever moves into slot s comes from a higher slot, already visited and kept.
      this.remove(s)
    }
    return gone
  }

  /**
   * Copies up to `want` endpoints from slots [from, this.count), a random window, skipping
   * `skip`, into `out` at `at`; returns the number copied. Peer ids go to `ids` when given.
   */
  sample (from: number, want: number, skip: number, out: Buffer, at: number, ids: Buffer[] | null): number {
    const n = this.count - from
    if (n <= 0 || want <= 0) return 0
    const start = n <= want + 1 ? 0 : Math.floor(Math.random() * n)
    const records = this.records
    const length = this.endpointLength
    let copied = 0
    let o = at
    for (let i = 0; i < n && copied < want; i++) {
      const slot = from + ((start + i) % n)
      if (slot === skip) continue
      // A byte loop: Buffer#copy's bounds checks cost more than copying 6 or 18 bytes.
      for (let r = slot * this.stride, end = r + length; r < end; r++) out[o++] = records[r]
      if (ids !== null) ids.push(Buffer.from(this.peerId(slot)))
      copied++
    }
    return copied
  }

  private write (slot: number, f: PeerFields, seen: number, flags: number): void {
    const r = this.records
    const at = slot * this.stride
    r.set(f.peerId, at + this.l.oId)
    r.writeInt32LE(f.key | 0, at + this.l.oKey)
    r.writeUInt32LE(seen >>> 0, at + this.l.oSeen)
    r[at + this.l.oFlags] = flags
    r.writeUIntLE(Math.min(f.uploaded, U48_MAX), at + this.l.oUp, 6)
    r.writeUIntLE(Math.min(f.downloaded, U48_MAX), at + this.l.oDown, 6)
    r.writeUIntLE(Math.min(f.left, U48_MAX), at + this.l.oLeft, 6)
  }

  private moveToSeeders (slot: number): number {
    const to = this.seeders++
    if (slot !== to) this.swap(slot, to)
    return to
  }

  private moveToLeechers (slot: number): number {
    const to = --this.seeders
    if (slot !== to) this.swap(slot, to)
    return to
  }

  private swap (a: number, b: number): void {
    const r = this.records
    const s = this.stride
    this.indexRemove(a)
    this.indexRemove(b)
    r.copy(scratch, 0, a * s, a * s + s)
    r.copy(r, a * s, b * s, b * s + s)
    scratch.copy(r, b * s, 0, s)
    this.indexInsert(a)
    this.indexInsert(b)
  }

  private endpointHash (slot: number): number {
    const at = slot * this.stride
    return hashBytes(this.records, at, at + this.endpointLength)
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
    const ix: Indexes = {
      byEndpoint: new SlotIndex(this.count),
      byKey: new SlotIndex(this.count),
      probe: scratch,
      probeKey: 0,
      endpointAt: slot => this.endpointEquals(slot, ix.probe),
      keyAt: slot => this.keyOf(slot) === ix.probeKey
    }
    this.ix = ix
    for (let s = 0; s < this.count; s++) this.indexInsert(s)
  }

  private resize (capacity: number): void {
    const next = allocate(capacity * this.stride)
    this.records.copy(next, 0, 0, this.count * this.stride)
    this.records = next
  }
}

/**
 * Records get their own memory, not a slice of Node's shared 8 KiB pool: a pool slab stays
 * alive while any slice of it does, so tables that grow and shrink would pin dead slabs.
 */
function allocate (bytes: number): Buffer {
  return Buffer.allocUnsafeSlow(bytes)
}
