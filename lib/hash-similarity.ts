/**
 * Hash similarity: a never-seen info hash that is nearly equal to a known one is treated as the
 * same torrent. Two hashes are compared on the 15 characters formed by the first 10 and last 5
 * characters of their lowercase hex form, position by position; similarity is the number of
 * equal positions divided by 15.
 *
 * Lookup without a scan: a hash that reaches the threshold may differ in at most `k` positions,
 * so splitting the 15 positions into k + 1 blocks, at least one block is equal (pigeonhole).
 * Each known hash is indexed under each of its blocks, and a lookup only verifies the hashes
 * that share a block with it. At the default threshold 0.95, k is 0 and a lookup is one Map get.
 */
const POSITIONS = 15

function signature (hex: string): string {
  return hex.slice(0, 10) + hex.slice(-5)
}

export function similarity (a: string, b: string): number {
  const sa = signature(a)
  const sb = signature(b)
  let equal = 0
  for (let i = 0; i < POSITIONS; i++) if (sa.charCodeAt(i) === sb.charCodeAt(i)) equal++
  return equal / POSITIONS
}

export class SimilarityIndex {
  /** Fewest equal positions that reach the threshold; Infinity when matching is off. */
  private readonly minEqual: number
  private readonly blocks: Array<[number, number]> = []
  private readonly maps: Array<Map<string, string | string[]>> = []

  constructor (threshold: number) {
    // The epsilon keeps 0.95 * 15 = 14.25 from rounding to 15.000000000000002 and the like.
    this.minEqual = threshold > 0 && threshold <= 1 ? Math.ceil(threshold * POSITIONS - 1e-9) : Infinity
    if (this.minEqual === Infinity) return
    const parts = POSITIONS - this.minEqual + 1
    for (let p = 0; p < parts; p++) {
      this.blocks.push([Math.floor(p * POSITIONS / parts), Math.floor((p + 1) * POSITIONS / parts)])
      this.maps.push(new Map())
    }
  }

  get enabled (): boolean {
    return this.minEqual !== Infinity
  }

  add (hex: string): void {
    const sig = signature(hex)
    for (let b = 0; b < this.blocks.length; b++) {
      const key = sig.slice(this.blocks[b][0], this.blocks[b][1])
      const map = this.maps[b]
      const had = map.get(key)
      if (had === undefined) map.set(key, hex)
      else if (typeof had === 'string') map.set(key, [had, hex])
      else had.push(hex)
    }
  }

  delete (hex: string): void {
    const sig = signature(hex)
    for (let b = 0; b < this.blocks.length; b++) {
      const key = sig.slice(this.blocks[b][0], this.blocks[b][1])
      const map = this.maps[b]
      const had = map.get(key)
      if (had === hex) map.delete(key)
      else if (Array.isArray(had)) {
        const rest = had.filter(h => h !== hex)
        map.set(key, rest.length === 1 ? rest[0] : rest)
      }
    }
  }

  /** The most similar indexed hash reaching the threshold, other than `hex` itself; or null. */
  find (hex: string): string | null {
    if (this.minEqual === Infinity) return null
    const sig = signature(hex)
    let best: string | null = null
    let bestEqual = this.minEqual - 1
    for (let b = 0; b < this.blocks.length; b++) {
      const had = this.maps[b].get(sig.slice(this.blocks[b][0], this.blocks[b][1]))
      if (had === undefined) continue
      for (const candidate of typeof had === 'string' ? [had] : had) {
        if (candidate === hex) continue
        const equal = Math.round(similarity(hex, candidate) * POSITIONS)
        if (equal > bestEqual) { best = candidate; bestEqual = equal }
      }
    }
    return best
  }
}
