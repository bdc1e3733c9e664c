import { RecordArena } from './record-arena.ts'
import { RECORD_BYTES } from './peer-record.ts'
import { SwarmIndex } from './swarm-index.ts'
import { SwarmPeers } from './swarm-peers.ts'
import { grown } from './typed-array.ts'

const EMPTY = Buffer.alloc(0)

/**
 * The peers of every swarm for one address family: where each swarm's chunk of records lies in a
 * shared RecordArena, and how full it is. Per swarm only five numbers sit in typed arrays
 * indexed by torrent id: no object per swarm. `open` gives the peers of one swarm to act on.
 */
export class PeerTable {
  readonly endpointLength: number
  /** Bytes a peer takes: its endpoint and the rest of its record. */
  readonly stride: number
  private readonly arena: RecordArena

  /** Per torrent id: the arena page of its chunk (-1: none), where in it, and its capacity. */
  private page: Int32Array = new Int32Array(0)
  private base: Int32Array = new Int32Array(0)
  private capacity: Int32Array = new Int32Array(0)
  /** Per torrent id: peers, and seeders among them (kept by SwarmPeers). */
  counts: Int32Array = new Int32Array(0)
  seederCounts: Int32Array = new Int32Array(0)
  /** The hash indexes of the swarms large enough to have them. */
  private readonly indexes = new Map<number, SwarmIndex>()

  constructor (addressLength: 4 | 16) {
    this.endpointLength = addressLength + 2
    this.stride = this.endpointLength + RECORD_BYTES
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

  /** The peers of torrent `t`, to read and change. A view: open it again after another view of the same swarm changed it. */
  open (t: number): SwarmPeers {
    return new SwarmPeers(this, t)
  }

  /** The capacity the arena gives a chunk that must hold `n` records. */
  capacityFor (n: number): number {
    return this.arena.capacityFor(n)
  }

  /** The buffer holding torrent `t`'s chunk. */
  bufferOf (t: number): Buffer {
    const page = this.page[t]
    return page === -1 ? EMPTY : this.arena.pages[page]
  }

  /** Where in its buffer torrent `t`'s chunk (its endpoints first) begins. */
  chunkAt (t: number): number {
    return this.base[t]
  }

  capacityOf (t: number): number {
    return this.capacity[t]
  }

  indexOf (t: number): SwarmIndex | null {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: a shortcut; both branches answer the same
    return this.indexes.size === 0 ? null : this.indexes.get(t) ?? null
  }

  // Stryker disable next-line BlockStatement: a swarm whose index is not kept scans instead, with the same answers
  setIndex (t: number, index: SwarmIndex | null): void {
    if (index === null) this.indexes.delete(t)
    else this.indexes.set(t, index)
  }

  /** Moves torrent `t`'s records to a chunk of `capacity` (0: none), both parts of each record. */
  place (t: number, capacity: number): void {
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
        // Where the second part begins depends on the capacity: both parts move.
        const from = this.arena.pages[oldPage]
        const to = this.arena.pages[this.arena.page]
        const count = this.counts[t]
        const e = this.endpointLength
        const oldRecords = oldBase + this.capacity[t] * e
        from.copy(to, this.arena.base, oldBase, oldBase + count * e)
        from.copy(to, this.arena.base + capacity * e, oldRecords, oldRecords + count * RECORD_BYTES)
      }
    }
    if (oldPage !== -1) this.arena.release(oldPage, oldBase)
    this.capacity[t] = capacity
  }
}
