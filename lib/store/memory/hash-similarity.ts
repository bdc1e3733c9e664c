import { randomBytes } from 'node:crypto'
import { SlotIndex } from './slot-index.ts'
import { grown } from './typed-array.ts'
import { INFO_HASH_LENGTH, type TorrentIds } from './torrent-ids.ts'

/**
 * Hash similarity: a never-seen info hash that is nearly equal to a known one is treated as the
 * same torrent. Two hashes are compared on the 15 characters formed by the first 10 and last 5
 * characters of their lowercase hex form, position by position; similarity is the number of
 * equal positions divided by 15.
 *
 * Lookup without a scan: a hash that reaches the threshold may differ in at most `k` positions,
 * so splitting the 15 positions into k + 1 blocks, at least one block is equal (pigeonhole).
 * Each known hash is indexed under each of its blocks, and a lookup only verifies the hashes
 * that share a block with it. At the default threshold 0.95, k is 0: one block, one probe.
 */
const POSITIONS = 15
/** The hex position (nibble of the raw hash) behind each compared position. */
const NIBBLE = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 35, 36, 37, 38, 39]

function signature (hex: string): string {
  return hex.slice(0, 10) + hex.slice(-5)
}

/** Similarity of two hex hashes, as the README defines it. */
export function similarity (a: string, b: string): number {
  const sa = signature(a)
  const sb = signature(b)
  let equal = 0
  // Stryker disable next-line EqualityOperator: position 15 of both signatures reads NaN, and NaN equals nothing
  for (let i = 0; i < POSITIONS; i++) if (sa.charCodeAt(i) === sb.charCodeAt(i)) equal++
  return equal / POSITIONS
}

function nibble (bytes: Uint8Array, at: number, position: number): number {
  const n = NIBBLE[position]
  const byte = bytes[at + (n >> 1)]
  return (n & 1) === 0 ? byte >> 4 : byte & 15
}

/**
 * Indexes the known torrents of a TorrentIds by blocks of their compared positions. Per block, a
 * hash table leads from the block's content to the first torrent that has it, and the others
 * with the same content follow in a chain, so that a lookup walks exactly its candidates.
 */
export class SimilarityIndex {
  /** Fewest equal positions that reach the threshold; Infinity when matching is off. */
  private readonly minEqual: number
  private readonly blocks: Array<[number, number]> = []
  private readonly heads: SlotIndex[] = []
  private next: Int32Array[] = []
  /** A secret seed, so that nobody can choose hashes that pile up in one bucket. */
  private readonly seed = randomBytes(4).readInt32LE(0)
  private probe: Uint8Array = new Uint8Array(0)
  private probeAt = 0
  private block: [number, number] = [0, 0]
  private readonly sameBlock = (id: number): boolean => {
    const [lo, hi] = this.block
    const at = id * INFO_HASH_LENGTH
    // Stryker disable next-line BooleanLiteral,ConditionalExpression,EqualityOperator: differs only on a 32-bit block-hash collision, and find re-counts equal positions of every candidate
    for (let p = lo; p < hi; p++) if (nibble(this.ids.hashes, at, p) !== nibble(this.probe, this.probeAt, p)) return false
    return true
  }

  constructor (threshold: number, private readonly ids: TorrentIds) {
    // The epsilon keeps 0.95 * 15 = 14.25 from rounding to 15.000000000000002 and the like.
    this.minEqual = threshold > 0 && threshold <= 1 ? Math.ceil(threshold * POSITIONS - 1e-9) : Infinity
    // Stryker disable next-line ConditionalExpression: without the return, -Infinity parts make no block either
    if (this.minEqual === Infinity) return
    const parts = POSITIONS - this.minEqual + 1
    // Stryker disable next-line EqualityOperator: an extra block past the positions holds every hash in one chain; find still counts positions
    for (let p = 0; p < parts; p++) {
      this.blocks.push([Math.floor(p * POSITIONS / parts), Math.floor((p + 1) * POSITIONS / parts)])
      this.heads.push(new SlotIndex(1024))
      this.next.push(new Int32Array(0))
    }
  }

  /** Indexes torrent `id`, whose hash the TorrentIds holds. */
  add (id: number): void {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: growing the chains more often than needed changes speed only
    if (this.next.length > 0 && this.next[0].length < this.ids.capacity) this.next = this.next.map(old => grown(old, this.ids.capacity))
    for (let b = 0; b < this.blocks.length; b++) {
      const hash = this.selectBlock(this.ids.hashes, id * INFO_HASH_LENGTH, b)
      const head = this.heads[b].find(hash, this.sameBlock)
      const next = this.next[b]
      if (head === -1) {
        this.heads[b].insert(hash, id)
        next[id] = -1
      } else {
        next[id] = next[head]
        next[head] = id
      }
    }
  }

  delete (id: number): void {
    for (let b = 0; b < this.blocks.length; b++) {
      const hash = this.selectBlock(this.ids.hashes, id * INFO_HASH_LENGTH, b)
      const head = this.heads[b].find(hash, this.sameBlock)
      const next = this.next[b]
      if (head === id) {
        if (next[id] === -1) this.heads[b].remove(hash, id)
        else this.heads[b].move(hash, id, next[id])
      // Stryker disable next-line ConditionalExpression: an indexed id is in its block's chain, so its chain has a head
      } else if (head !== -1) {
        let p = head
        // Stryker disable next-line ConditionalExpression: an indexed id is in the chain, so the walk ends at it
        while (next[p] !== id && next[p] !== -1) p = next[p]
        // Stryker disable next-line ConditionalExpression: as above, the walk ended at the id
        if (next[p] === id) next[p] = next[id]
      }
    }
  }

  /** The id of the most similar indexed hash reaching the threshold, for a hash not indexed itself; or -1. */
  find (hash: Uint8Array): number {
    // Stryker disable next-line ConditionalExpression: with matching off there are no blocks, and the loop finds nothing either
    if (this.minEqual === Infinity) return -1
    let best = -1
    let bestEqual = this.minEqual - 1
    for (let b = 0; b < this.blocks.length; b++) {
      const next = this.next[b]
      for (let id = this.heads[b].find(this.selectBlock(hash, 0, b), this.sameBlock); id !== -1; id = next[id]) {
        const equal = this.equalPositions(id, hash)
        if (equal > bestEqual) {
          best = id
          bestEqual = equal
        }
      }
    }
    return best
  }

  /** Makes block `b` of the hash at `at` the probe of `sameBlock`; returns the block's hash. */
  private selectBlock (bytes: Uint8Array, at: number, b: number): number {
    this.probe = bytes
    this.probeAt = at
    this.block = this.blocks[b]
    const [lo, hi] = this.block
    let h = this.seed
    // Stryker disable next-line ConditionalExpression: a constant block hash puts all hashes in one chain; candidates are still checked position by position
    for (let p = lo; p < hi; p++) h = Math.imul(h ^ nibble(bytes, at, p), 0x01000193)
    return h | 0
  }

  private equalPositions (id: number, hash: Uint8Array): number {
    const own = id * INFO_HASH_LENGTH
    let equal = 0
    for (let p = 0; p < POSITIONS; p++) if (nibble(this.ids.hashes, own, p) === nibble(hash, 0, p)) equal++
    return equal
  }
}
