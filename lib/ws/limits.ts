/**
 * Per-connection and per-address limits of the WebSocket front end; pure counters, the clock
 * is passed in.
 */

/** Messages allowed per one-second window on one connection. */
export class MessageRate {
  private windowStart = 0
  private count = 0

  constructor (private readonly perSecond: number) {}

  /**
   * Counts a message at `nowMs`: `ok` within the allowance, `refuse` past it, `close` when the
   * sender has gone on to twice the allowance in the same second (it is not reading the refusals).
   */
  take (nowMs: number): 'ok' | 'refuse' | 'close' {
    if (nowMs - this.windowStart >= 1000) {
      this.windowStart = nowMs
      this.count = 0
    }
    this.count++
    if (this.count <= this.perSecond) return 'ok'
    return this.count > 2 * this.perSecond ? 'close' : 'refuse'
  }
}

/** Open connections per client address, with a cap. */
export class AddressCounts {
  private readonly open = new Map<string, number>()

  constructor (private readonly max: number) {}

  /** Takes a place for `address`; false (and nothing taken) when it already has `max`. */
  acquire (address: string): boolean {
    const n = this.open.get(address) ?? 0
    if (n >= this.max) return false
    this.open.set(address, n + 1)
    return true
  }

  release (address: string): void {
    const n = this.open.get(address) ?? 0
    // Stryker disable next-line EqualityOperator: at 1, n < 1 keeps a 0 where this deletes the entry; count() reads both as 0, only the map's memory differs
    if (n <= 1) this.open.delete(address)
    else this.open.set(address, n - 1)
  }

  count (address: string): number { return this.open.get(address) ?? 0 }
}
