/**
 * Storage for many small tables of fixed-size records, as a slab allocator: capacities come in
 * a few classes (about four per doubling), each 64 KiB slab holds chunks of one class, and a
 * slab whose chunks are all freed goes back to a common pool for any class. A buffer per swarm
 * would cost more in object headers, allocator bookkeeping and fragmentation than the records
 * themselves: a tracker holds many swarms of a few peers each. Chunks larger than a slab get a
 * buffer of their own.
 */
const SLAB_BYTES = 64 << 10
const EMPTY = Buffer.alloc(0)
/** Empty slabs kept for reuse: 1 MiB. */
const IDLE_SLABS = 16
const NONE = -1

export class RecordArena {
  readonly stride: number
  /** Slabs and single-chunk buffers, by page number; a released page leaves EMPTY behind. */
  readonly pages: Buffer[] = []
  /** Capacities of the classes, in records, ascending. */
  private readonly classes: number[] = []
  private readonly classOf = new Map<number, number>()
  /** Per class, the slabs that have a free chunk. */
  private readonly partial: number[][] = []
  /** Per page: its class (NONE: single chunk or unused), chunks in use, first free chunk
   * (each free chunk holds the offset of the next), bytes never handed out yet, and its
   * position in its class's partial list (NONE: not there). */
  private readonly pageClass: number[] = []
  private readonly used: number[] = []
  private readonly freeHead: number[] = []
  private readonly fresh: number[] = []
  private readonly partialAt: number[] = []
  /** Empty slabs, ready for any class (a few are kept; more go back to the system). */
  private readonly idleSlabs: number[] = []
  /** Page numbers with no buffer, for the next single chunk or slab. */
  private readonly unused: number[] = []

  /** Where the last `allocate` put its chunk. */
  page = NONE
  base = 0

  constructor (stride: number) {
    this.stride = stride
    for (let c = 2; c * stride <= SLAB_BYTES; c = c < 8 ? c + 1 : c + (1 << (31 - Math.clz32(c) - 2))) {
      this.classOf.set(c, this.classes.length)
      this.classes.push(c)
      this.partial.push([])
    }
  }

  /** The capacity a table needing `n` records gets: the smallest class that holds it, or `n` itself. */
  capacityFor (n: number): number {
    const classes = this.classes
    if (n > classes[classes.length - 1]) return n
    let c = 0
    while (classes[c] < n) c++
    return classes[c]
  }

  /** Allocates a chunk of `capacity` records (a value from `capacityFor`); sets `page` and `base`. */
  allocate (capacity: number): void {
    const c = this.classOf.get(capacity)
    if (c === undefined) {
      this.page = this.unused.pop() ?? this.newPage()
      this.pages[this.page] = Buffer.allocUnsafeSlow(capacity * this.stride)
      this.base = 0
      return
    }
    const partial = this.partial[c]
    let page = partial.length > 0 ? partial[partial.length - 1] : NONE
    if (page === NONE) {
      page = this.idleSlabs.pop() ?? this.unused.pop() ?? this.newPage()
      if (this.pages[page].length === 0) this.pages[page] = Buffer.allocUnsafeSlow(SLAB_BYTES)
      this.pageClass[page] = c
      this.freeHead[page] = NONE
      this.fresh[page] = 0
      this.used[page] = 0
      this.partialAt[page] = partial.length
      partial.push(page)
    }
    const bytes = capacity * this.stride
    let base = this.freeHead[page]
    if (base !== NONE) this.freeHead[page] = this.pages[page].readInt32LE(base)
    else {
      base = this.fresh[page]
      this.fresh[page] += bytes
    }
    this.used[page]++
    if (this.freeHead[page] === NONE && this.fresh[page] + bytes > SLAB_BYTES) this.leavePartial(page)
    this.page = page
    this.base = base
  }

  /** Returns a chunk; a slab left with no chunk in use becomes idle. */
  release (page: number, base: number): void {
    const c = this.pageClass[page]
    if (c === NONE) {
      this.pages[page] = EMPTY
      this.unused.push(page)
      return
    }
    this.pages[page].writeInt32LE(this.freeHead[page], base)
    this.freeHead[page] = base
    if (this.partialAt[page] === NONE) {
      this.partialAt[page] = this.partial[c].length
      this.partial[c].push(page)
    }
    if (--this.used[page] === 0) {
      this.leavePartial(page)
      this.pageClass[page] = NONE
      if (this.idleSlabs.length < IDLE_SLABS) this.idleSlabs.push(page)
      else {
        this.pages[page] = EMPTY
        this.unused.push(page)
      }
    }
  }

  private leavePartial (page: number): void {
    const list = this.partial[this.pageClass[page]]
    const at = this.partialAt[page]
    const last = list.pop() as number
    if (last !== page) {
      list[at] = last
      this.partialAt[last] = at
    }
    this.partialAt[page] = NONE
  }

  private newPage (): number {
    this.pages.push(EMPTY)
    this.pageClass.push(NONE)
    this.used.push(0)
    this.freeHead.push(NONE)
    this.fresh.push(0)
    this.partialAt.push(NONE)
    return this.pages.length - 1
  }
}
