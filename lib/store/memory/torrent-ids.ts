import { randomBytes } from 'node:crypto'
import { hashBytes } from '../../bittorrent/fnv-hash.ts'
import { SlotIndex } from './slot-index.ts'
import { grown } from './typed-array.ts'

export const INFO_HASH_LENGTH = 20

/**
 * Small integer ids for info hashes, so that everything kept per torrent can sit in typed arrays
 * indexed by id instead of one object (and one hex string key) per torrent. The raw hashes are
 * packed side by side; an id is reused once its torrent is gone.
 */
export class TorrentIds {
  /** The hash of id i is at [i * 20, i * 20 + 20); reallocated as ids grow. */
  hashes: Uint8Array = new Uint8Array(0)
  private live: Uint8Array = new Uint8Array(0)
  private readonly index = new SlotIndex(1024)
  private readonly released: number[] = []
  private top = 0
  size = 0
  /** A secret seed, so that nobody can choose hashes that pile up in one bucket. */
  private readonly seed = randomBytes(4).readInt32LE(0)
  private probe: Uint8Array = new Uint8Array(0)
  private readonly matches = (id: number): boolean => {
    const h = this.hashes
    const p = this.probe
    for (let i = 0, at = id * INFO_HASH_LENGTH; i < INFO_HASH_LENGTH; i++) if (h[at + i] !== p[i]) return false
    return true
  }

  /** Ids are below this; typed arrays indexed by id need this length. */
  get end (): number {
    return this.top
  }

  get capacity (): number {
    return this.live.length
  }

  /** The id of this hash, or -1. */
  get (hash: Uint8Array): number {
    this.probe = hash
    return this.index.find(this.hashOf(hash, 0), this.matches)
  }

  /** A new id for a hash not yet known. The capacity may grow: callers size their arrays to it. */
  add (hash: Uint8Array): number {
    const id = this.released.pop() ?? this.top++
    if (id >= this.live.length) this.grow(Math.max(1024, this.live.length * 2))
    this.hashes.set(hash.subarray(0, INFO_HASH_LENGTH), id * INFO_HASH_LENGTH)
    this.live[id] = 1
    this.index.insert(this.hashOf(hash, 0), id)
    this.size++
    return id
  }

  delete (id: number): void {
    if (this.live[id] === 0) return
    this.index.remove(this.hashOf(this.hashes, id * INFO_HASH_LENGTH), id)
    this.live[id] = 0
    this.released.push(id)
    this.size--
  }

  has (id: number): boolean {
    return this.live[id] === 1
  }

  hex (id: number): string {
    return Buffer.from(this.hashes.buffer, this.hashes.byteOffset + id * INFO_HASH_LENGTH, INFO_HASH_LENGTH).toString('hex')
  }

  private hashOf (bytes: Uint8Array, at: number): number {
    // Stryker disable next-line ArithmeticOperator: a constant digest puts every id in one probe chain; matches still compares the whole hash
    return hashBytes(bytes, at, at + INFO_HASH_LENGTH, this.seed)
  }

  private grow (capacity: number): void {
    this.hashes = grown(this.hashes, capacity * INFO_HASH_LENGTH)
    this.live = grown(this.live, capacity)
  }
}
