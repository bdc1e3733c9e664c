/**
 * An open-addressing hash index from a 32-bit hash to a record slot, kept in one Int32Array so
 * that a large swarm finds a peer without a scan and without one JS object per peer. Hashes may
 * collide: `find` asks the caller to confirm each candidate slot against the record itself.
 */
export class SlotIndex {
  private table: Int32Array
  private mask: number
  private size = 0

  constructor (capacity: number) {
    let n = 16
    // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator: the initial size only; insert grows the table as needed
    while (n * 3 < capacity * 4) n <<= 1
    this.table = new Int32Array(n * 2)
    this.mask = n - 1
  }

  /** Entries are [hash, slot + 1]; 0 in the slot half marks an empty bucket. */
  find (hash: number, matches: (slot: number) => boolean): number {
    const t = this.table
    for (let b = mix(hash) & this.mask; ; b = (b + 1) & this.mask) {
      const v = t[b * 2 + 1]
      if (v === 0) return -1
      if (t[b * 2] === hash && matches(v - 1)) return v - 1
    }
  }

  insert (hash: number, slot: number): void {
    // Linear probing stays short up to 3/4 full with well-mixed hashes.
    if ((this.size + 1) * 4 > (this.mask + 1) * 3) this.grow()
    const t = this.table
    let b = mix(hash) & this.mask
    while (t[b * 2 + 1] !== 0) b = (b + 1) & this.mask
    t[b * 2] = hash
    t[b * 2 + 1] = slot + 1
    this.size++
  }

  /** Points the entry (hash, from) at slot `to`, after the record moved. */
  move (hash: number, from: number, to: number): void {
    const b = this.bucketOf(hash, from)
    // Stryker disable next-line ConditionalExpression: writing at index -1 of a typed array does nothing
    if (b !== -1) this.table[b * 2 + 1] = to + 1
  }

  remove (hash: number, slot: number): void {
    let hole = this.bucketOf(hash, slot)
    if (hole === -1) return
    const t = this.table
    const mask = this.mask
    // Backward-shift deletion keeps every probe chain unbroken without tombstones.
    for (let b = (hole + 1) & mask; t[b * 2 + 1] !== 0; b = (b + 1) & mask) {
      const home = mix(t[b * 2]) & mask
      if (((b - home) & mask) >= ((b - hole) & mask)) {
        t[hole * 2] = t[b * 2]
        t[hole * 2 + 1] = t[b * 2 + 1]
        hole = b
      }
    }
    t[hole * 2] = 0
    t[hole * 2 + 1] = 0
    // Stryker disable next-line UpdateOperator: a size counted too high only makes the table grow sooner
    this.size--
  }

  private bucketOf (hash: number, slot: number): number {
    const t = this.table
    for (let b = mix(hash) & this.mask; ; b = (b + 1) & this.mask) {
      const v = t[b * 2 + 1]
      if (v === 0) return -1
      if (v === slot + 1 && t[b * 2] === hash) return b
    }
  }

  private grow (): void {
    const old = this.table
    const n = (this.mask + 1) * 2
    this.table = new Int32Array(n * 2)
    this.mask = n - 1
    this.size = 0
    // Stryker disable next-line EqualityOperator: reading past the end gives undefined, inserted as an empty bucket
    for (let b = 0; b < old.length; b += 2) {
      // Stryker disable next-line ConditionalExpression: an empty bucket re-inserted stays empty; only the size counts it
      if (old[b + 1] !== 0) this.insert(old[b], old[b + 1] - 1)
    }
  }
}

/** Spreads clustered hashes (consecutive ports, similar addresses) over the buckets. */
function mix (h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}
