import { hashBytes } from '../../bittorrent/fnv-hash.ts'
import {
  COUNTER_BYTES, DOWNLOADED_AT, FLAGS_AT, KEY_AT, LEFT_AT, PEER_ID_AT, PEER_ID_LENGTH, RECORD_BYTES, SEEN_AT, UPLOADED_AT,
  decodeCounter, encodeCounter, type PeerFields
} from './peer-record.ts'
import type { PeerTable } from './peer-table.ts'
import { SwarmIndex } from './swarm-index.ts'

/**
 * Swarms larger than this get hash indexes; smaller ones are searched by a scan of their
 * endpoints, side by side, which costs no more than a probe and saves some 40 bytes a peer.
 */
const INDEX_THRESHOLD = 64
const scratch = Buffer.allocUnsafe(128)

/**
 * The peers of one swarm in one address family, as slots 0..count-1 of its chunk. Seeders
 * occupy slots [0, seeders) and leechers [seeders, count), so that a seeder's reply draws from
 * leechers alone without filtering. Removal moves the last record into the hole, keeping the
 * records dense for random windows. A reply is a window of consecutive endpoints, copied in one
 * or two block moves from a few cache lines.
 */
export class SwarmPeers {
  readonly endpointLength: number
  private buffer: Buffer
  /** Byte offsets in `buffer` of the endpoints and of the rest of the records. */
  private endpoints = 0
  private records = 0
  private index: SwarmIndex | null
  /** What the index's match callbacks compare against. */
  private probe: Uint8Array = scratch
  private probeKey = 0
  private endpointMatches: ((slot: number) => boolean) | null = null
  private keyMatches: ((slot: number) => boolean) | null = null

  constructor (private readonly table: PeerTable, readonly torrent: number) {
    this.endpointLength = table.endpointLength
    this.buffer = table.bufferOf(torrent)
    this.index = table.indexOf(torrent)
    this.locate()
  }

  get count (): number {
    return this.table.counts[this.torrent]
  }

  get seeders (): number {
    return this.table.seederCounts[this.torrent]
  }

  /** Gives room for `n` peers at once, as when restoring a saved swarm. */
  reserve (n: number): void {
    if (n > this.table.capacityOf(this.torrent)) this.resize(this.table.capacityFor(n))
  }

  /** The slot of the peer at this endpoint, or else of the peer with this key; -1 if none. */
  find (endpoint: Uint8Array, key: number): number {
    const index = this.index
    // Stryker disable next-line BlockStatement: without the index, the scan below finds the same peer
    if (index !== null) {
      this.probe = endpoint
      this.probeKey = key
      this.endpointMatches ??= slot => this.endpointEquals(slot, this.probe)
      const slot = index.findByEndpoint(hashBytes(endpoint, 0, endpoint.length), this.endpointMatches)
      if (slot !== -1 || key === 0) return slot
      // Stryker disable next-line ConditionalExpression: the key index is keyed by the key itself, so its candidates have it
      this.keyMatches ??= slot => this.keyOf(slot) === this.probeKey
      return index.findByKey(key, this.keyMatches)
    }
    // Keys, in the records' second part, are read only when no endpoint matched.
    const count = this.count
    for (let s = 0; s < count; s++) if (this.endpointEquals(s, endpoint)) return s
    if (key !== 0) for (let s = 0; s < count; s++) if (this.keyOf(s) === key) return s
    return -1
  }

  endpoint (slot: number): Buffer {
    const at = this.endpoints + slot * this.endpointLength
    return this.buffer.subarray(at, at + this.endpointLength)
  }

  peerId (slot: number): Buffer {
    // Stryker disable next-line ArithmeticOperator: PEER_ID_AT is 0
    const at = this.recordAt(slot) + PEER_ID_AT
    return this.buffer.subarray(at, at + PEER_ID_LENGTH)
  }

  keyOf (slot: number): number {
    return this.buffer.readInt32LE(this.recordAt(slot) + KEY_AT)
  }

  seenOf (slot: number): number {
    return this.buffer.readUInt32LE(this.recordAt(slot) + SEEN_AT)
  }

  flagsOf (slot: number): number {
    return this.buffer[this.recordAt(slot) + FLAGS_AT]
  }

  uploadedOf (slot: number): number {
    return decodeCounter(this.buffer.readUIntLE(this.recordAt(slot) + UPLOADED_AT, COUNTER_BYTES))
  }

  downloadedOf (slot: number): number {
    return decodeCounter(this.buffer.readUIntLE(this.recordAt(slot) + DOWNLOADED_AT, COUNTER_BYTES))
  }

  leftOf (slot: number): number {
    return decodeCounter(this.buffer.readUIntLE(this.recordAt(slot) + LEFT_AT, COUNTER_BYTES))
  }

  /** Adds a peer; returns its slot. */
  add (endpoint: Uint8Array, fields: PeerFields, seen: number, flags: number): number {
    const t = this.torrent
    const count = this.count
    if (count === this.table.capacityOf(t)) this.resize(this.table.capacityFor(count + 1 + (count >> 3)))
    let slot = this.table.counts[t]++
    this.setEndpoint(slot, endpoint)
    this.write(slot, fields, seen, flags)
    this.indexInsert(slot)
    if (fields.left === 0) slot = this.moveToSeeders(slot)
    // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator,ArithmeticOperator: when the index is built changes speed only; scan and index find the same peers
    if (this.index === null && count + 1 > INDEX_THRESHOLD) this.buildIndex()
    return slot
  }

  /** Updates a peer in place (its endpoint may change, for a key match); returns its slot. */
  update (slot: number, endpoint: Uint8Array, fields: PeerFields, seen: number, flags: number): number {
    // The usual re-announce keeps its endpoint and key: its index entries stay valid.
    // Stryker disable next-line ConditionalExpression: re-indexing an unmoved peer changes speed only
    const moved = !this.endpointEquals(slot, endpoint) || this.keyOf(slot) !== (fields.key | 0)
    if (moved) {
      this.indexRemove(slot)
      this.setEndpoint(slot, endpoint)
    }
    this.write(slot, fields, seen, flags)
    if (moved) this.indexInsert(slot)
    const seeding = fields.left === 0
    const seeders = this.seeders
    if (seeding && slot >= seeders) return this.moveToSeeders(slot)
    if (!seeding && slot < seeders) return this.moveToLeechers(slot)
    return slot
  }

  remove (slot: number): void {
    const t = this.torrent
    if (slot < this.seeders) slot = this.moveToLeechers(slot)
    this.indexRemove(slot)
    const last = this.count - 1
    if (slot !== last) {
      this.indexMove(last, slot)
      this.copySlot(last, slot)
    }
    const count = --this.table.counts[t]
    if (count === 0) this.resize(0)
    else this.shrinkIfSparse(count)
    // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator,ArithmeticOperator,BlockStatement: when the index is dropped changes speed only
    if (this.index !== null && count < INDEX_THRESHOLD / 2) {
      this.table.setIndex(t, null)
      this.index = null
    }
  }

  private shrinkIfSparse (count: number): void {
    // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator,ArithmeticOperator: when a chunk shrinks changes memory use only
    if (count * 4 < this.table.capacityOf(this.torrent) && count >= 4) this.resize(this.table.capacityFor(count * 2))
  }

  /** Removes peers last seen before `cutoff`; returns how many seeders and leechers went and their counters. */
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
   * Copies up to `want` endpoints from slots [from, count), a random window, skipping `skip`,
   * into `out` at `at`; returns the number copied. Peer ids go to `ids` when given.
   */
  sample (from: number, want: number, skip: number, out: Buffer, at: number, ids: Buffer[] | null): number {
    const n = this.count - from
    // Stryker disable next-line ConditionalExpression,LogicalOperator: the loop below copies nothing either; this is the quick way out
    if (n <= 0 || want <= 0) return 0
    const length = this.endpointLength
    const end = from + n
    // A window that takes every peer may start anywhere; one that leaves some out starts at random,
    // or the last peers of the range would never be drawn.
    // Stryker disable next-line ConditionalExpression,EqualityOperator: where a window of every peer starts changes their order only
    let slot = from + (n <= want ? 0 : Math.floor(Math.random() * n))
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
      o += this.buffer.copy(out, o, this.endpoints + slot * length, this.endpoints + stop * length)
      if (ids !== null) for (let k = slot; k < stop; k++) ids.push(Buffer.from(this.peerId(k)))
      copied += stop - slot
      unvisited -= stop - slot
      slot = stop
    }
    return copied
  }

  private recordAt (slot: number): number {
    return this.records + slot * RECORD_BYTES
  }

  private endpointEquals (slot: number, endpoint: Uint8Array): boolean {
    const buffer = this.buffer
    const at = this.endpoints + slot * this.endpointLength
    for (let i = 0; i < this.endpointLength; i++) if (buffer[at + i] !== endpoint[i]) return false
    return true
  }

  private setEndpoint (slot: number, endpoint: Uint8Array): void {
    this.buffer.set(endpoint, this.endpoints + slot * this.endpointLength)
  }

  private write (slot: number, f: PeerFields, seen: number, flags: number): void {
    const buffer = this.buffer
    const at = this.recordAt(slot)
    // Stryker disable next-line ArithmeticOperator: PEER_ID_AT is 0
    buffer.set(f.peerId, at + PEER_ID_AT)
    buffer.writeInt32LE(f.key | 0, at + KEY_AT)
    buffer.writeUInt32LE(seen >>> 0, at + SEEN_AT)
    buffer[at + FLAGS_AT] = flags
    buffer.writeUIntLE(encodeCounter(f.uploaded), at + UPLOADED_AT, COUNTER_BYTES)
    buffer.writeUIntLE(encodeCounter(f.downloaded), at + DOWNLOADED_AT, COUNTER_BYTES)
    buffer.writeUIntLE(encodeCounter(f.left), at + LEFT_AT, COUNTER_BYTES)
  }

  /** Copies record `from` over record `to`. */
  private copySlot (from: number, to: number): void {
    const buffer = this.buffer
    const e = this.endpointLength
    buffer.copy(buffer, this.endpoints + to * e, this.endpoints + from * e, this.endpoints + (from + 1) * e)
    buffer.copy(buffer, this.recordAt(to), this.recordAt(from), this.recordAt(from + 1))
  }

  private moveToSeeders (slot: number): number {
    const to = this.table.seederCounts[this.torrent]++
    if (slot !== to) this.swap(slot, to)
    return to
  }

  private moveToLeechers (slot: number): number {
    const to = --this.table.seederCounts[this.torrent]
    if (slot !== to) this.swap(slot, to)
    return to
  }

  private swap (a: number, b: number): void {
    this.indexRemove(a)
    this.indexRemove(b)
    swapBytes(this.buffer, this.endpoints, this.endpointLength, a, b)
    swapBytes(this.buffer, this.records, RECORD_BYTES, a, b)
    this.indexInsert(a)
    this.indexInsert(b)
  }

  private endpointHash (slot: number): number {
    const at = this.endpoints + slot * this.endpointLength
    return hashBytes(this.buffer, at, at + this.endpointLength)
  }

  private indexInsert (slot: number): void {
    this.index?.insert(this.endpointHash(slot), this.keyOf(slot), slot)
  }

  private indexRemove (slot: number): void {
    this.index?.remove(this.endpointHash(slot), this.keyOf(slot), slot)
  }

  private indexMove (from: number, to: number): void {
    this.index?.move(this.endpointHash(from), this.keyOf(from), from, to)
  }

  // Stryker disable next-line BlockStatement: without an index every lookup scans, with the same answers
  private buildIndex (): void {
    const count = this.count
    this.index = new SwarmIndex(count)
    this.table.setIndex(this.torrent, this.index)
    for (let s = 0; s < count; s++) this.indexInsert(s)
  }

  private resize (capacity: number): void {
    this.table.place(this.torrent, capacity)
    this.buffer = this.table.bufferOf(this.torrent)
    this.locate()
  }

  private locate (): void {
    this.endpoints = this.table.chunkAt(this.torrent)
    this.records = this.endpoints + this.table.capacityOf(this.torrent) * this.endpointLength
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
