/** Where reasons beyond the cap are counted. */
export const OTHER_REASONS = 'other reasons'

/** Longest reason kept; a longer one is cut (the start says what it is). */
const REASON_MAX = 120

/**
 * Refusals by the reason the client was told. Reasons are the tracker's own messages, a few
 * dozen at most, some with a number in them ("at most 64"); the cap keeps the map small
 * whatever clients send, and what does not fit is still counted, under OTHER_REASONS. Only
 * failures pay for this: a successful announce never reaches it.
 */
export class FailureReasons {
  private readonly counts = new Map<string, number>()
  private all = 0

  constructor (readonly maxReasons = 32) {}

  get total (): number { return this.all }

  count (reason: string): void {
    this.all++
    const key = reason.slice(0, REASON_MAX)
    const n = this.counts.get(key)
    if (n !== undefined) this.counts.set(key, n + 1)
    else if (this.counts.size < this.maxReasons) this.counts.set(key, 1)
    else this.counts.set(OTHER_REASONS, (this.counts.get(OTHER_REASONS) ?? 0) + 1)
  }

  /** The `n` most frequent, most frequent first; ties in alphabetical order so the table holds still. */
  top (n: number): Array<{ reason: string, count: number }> {
    // Stryker disable next-line EqualityOperator: reasons are map keys, never equal, so < and <= order them alike
    return [...this.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, n)
      .map(([reason, count]) => ({ reason, count }))
  }
}
