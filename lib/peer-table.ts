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
  seen: number
  uploaded: number
  downloaded: number
  left: number
}

export class PeerTable {
  readonly endpointLength: number
  readonly stride: number
  private readonly oId: number
  private readonly oKey: number
  private readonly oSeen: number
  private readonly oFlags: number
  private readonly oUp: number
  private readonly oDown: number
  private readonly oLeft: number
  records: Buffer
  count = 0
  seeders = 0
  private byEndpoint: SlotIndex | null = null
  private byKey: SlotIndex | null = null
  private probe: Uint8Array = Buffer.alloc(0)
  private probeKey = 0

  constructor (addressLength: 4 | 16, capacity = 2) {
    this.endpointLength = addressLength + 2
    this.oId = this.endpointLength
    this.oKey = this.oId + PEER_ID_LENGTH
    this.oSeen = this.oKey + 4
    this.oFlags = this.oSeen + 4
    this.oUp = this.oFlags + 1
    this.oDown = this.oUp + 6
    this.oLeft = this.oDown + 6
    this.stride = this.oLeft + 6
    this.records = Buffer.allocUnsafe(capacity * this.stride)
  }

  get leechers (): number {
    return this.count - this.seeders
  }

  /** The slot of the peer at this endpoint, or else of the peer with this key; -1 if none. */
  find (endpoint: Uint8Array, key: number): number {
    if (this.byEndpoint !== null) {
      this.probe = endpoint
      this.probeKey = key
      const slot = this.byEndpoint.find(hashBytes(endpoint, 0, endpoint.length), this.endpointAt)
      if (slot !== -1 || key === 0 || this.byKey === null) return slot
      return this.byKey.find(key, this.keyAt)
    }
    let byKey = -1
    for (let s = 0; s < this.count; s++) {
      if (this.endpointEquals(s, endpoint)) return s
      if (key !== 0 && byKey === -1 && this.keyOf(s) === key) byKey = s
    }
    return byKey
  }

  private readonly endpointAt = (slot: number): boolean => this.endpointEquals(slot, this.probe)
  private readonly keyAt = (slot: number): boolean => this.keyOf(slot) === this.probeKey

  private endpointEquals (slot: number, endpoint: Uint8Array): boolean {
    const r = this.records
    const at = slot * this.stride
    for (let i = 0; i < this.endpointLength; i++) if (r[at + i] !== endpoint[i]) return false
    return true
  }

  keyOf (slot: number): number {
    return this.records.readInt32LE(slot * this.stride + this.oKey)
  }

  seenOf (slot: number): number {
    return this.records.readUInt32LE(slot * this.stride + this.oSeen)
  }

  flagsOf (slot: number): number {
    return this.records[slot * this.stride + this.oFlags]
  }

  setFlags (slot: number, flags: number): void {
    this.records[slot * this.stride + this.oFlags] = flags
  }

  endpoint (slot: number): Buffer {
    const at = slot * this.stride
    return this.records.subarray(at, at + this.endpointLength)
  }

  peerId (slot: number): Buffer {
    const at = slot * this.stride + this.oId
    return this.records.subarray(at, at + PEER_ID_LENGTH)
  }

  uploadedOf (slot: number): number {
    return this.records.readUIntLE(slot * this.stride + this.oUp, 6)
  }

  downloadedOf (slot: number): number {
    return this.records.readUIntLE(slot * this.stride + this.oDown, 6)
  }

  leftOf (slot: number): number {
    return this.records.readUIntLE(slot * this.stride + this.oLeft, 6)
  }

  /** Adds a peer; returns its slot. */
  add (endpoint: Uint8Array, fields: PeerFields, flags: number): number {
    if (this.count * this.stride === this.records.length) this.resize(Math.max(2, Math.ceil(this.count * 1.5)))
    let slot = this.count++
    this.records.set(endpoint, slot * this.stride)
    this.write(slot, fields, flags)
    this.indexInsert(slot)
    if (fields.left === 0) slot = this.moveToSeeders(slot)
    if (this.byEndpoint === null && this.count > INDEX_THRESHOLD) this.buildIndex()
    return slot
  }

  /** Updates a peer in place (its endpoint may change, for a key match); returns its slot. */
  update (slot: number, endpoint: Uint8Array, fields: PeerFields, flags: number): number {
    this.indexRemove(slot)
    this.records.set(endpoint, slot * this.stride)
    this.write(slot, fields, flags)
    this.indexInsert(slot)
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
    if (this.byEndpoint !== null && this.count < INDEX_THRESHOLD / 2) {
      this.byEndpoint = null
      this.byKey = null
    }
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
    let copied = 0
    for (let i = 0; i < n && copied < want; i++) {
      const slot = from + ((start + i) % n)
      if (slot === skip) continue
      const r = slot * this.stride
      this.records.copy(out, at + copied * this.endpointLength, r, r + this.endpointLength)
      if (ids !== null) ids.push(Buffer.from(this.peerId(slot)))
      copied++
    }
    return copied
  }

  private write (slot: number, f: PeerFields, flags: number): void {
    const r = this.records
    const at = slot * this.stride
    r.set(f.peerId, at + this.oId)
    r.writeInt32LE(f.key | 0, at + this.oKey)
    r.writeUInt32LE(f.seen >>> 0, at + this.oSeen)
    r[at + this.oFlags] = flags
    r.writeUIntLE(Math.min(f.uploaded, U48_MAX), at + this.oUp, 6)
    r.writeUIntLE(Math.min(f.downloaded, U48_MAX), at + this.oDown, 6)
    r.writeUIntLE(Math.min(f.left, U48_MAX), at + this.oLeft, 6)
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
    if (this.byEndpoint === null || this.byKey === null) return
    this.byEndpoint.insert(this.endpointHash(slot), slot)
    const key = this.keyOf(slot)
    if (key !== 0) this.byKey.insert(key, slot)
  }

  private indexRemove (slot: number): void {
    if (this.byEndpoint === null || this.byKey === null) return
    this.byEndpoint.remove(this.endpointHash(slot), slot)
    const key = this.keyOf(slot)
    if (key !== 0) this.byKey.remove(key, slot)
  }

  private indexMove (from: number, to: number): void {
    if (this.byEndpoint === null || this.byKey === null) return
    this.byEndpoint.move(this.endpointHash(from), from, to)
    const key = this.keyOf(from)
    if (key !== 0) this.byKey.move(key, from, to)
  }

  private buildIndex (): void {
    this.byEndpoint = new SlotIndex(this.count)
    this.byKey = new SlotIndex(this.count)
    for (let s = 0; s < this.count; s++) this.indexInsert(s)
  }

  private resize (capacity: number): void {
    const next = Buffer.allocUnsafe(capacity * this.stride)
    this.records.copy(next, 0, 0, this.count * this.stride)
    this.records = next
  }
}
