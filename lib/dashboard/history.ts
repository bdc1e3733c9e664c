/**
 * A fixed window of figures taken at intervals (the dashboard's charts): one row per sample,
 * the oldest overwritten once the window is full. Columns are typed arrays allocated once, so
 * a sample costs no allocation and the window's memory is known up front (an hour of 5-second
 * samples of 16 series is about 100 KB).
 */
export class History<Name extends string> {
  readonly capacity: number
  private readonly times: Float64Array
  private readonly columns: Map<Name, Float64Array>
  /** Where the next row goes. */
  private next = 0
  private rows = 0

  constructor (readonly names: readonly Name[], capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`)
    this.capacity = capacity
    this.times = new Float64Array(capacity)
    this.columns = new Map(names.map(name => [name, new Float64Array(capacity)]))
  }

  get length (): number { return this.rows }

  /** Adds a row; `time` in seconds since the epoch (what uPlot's x axis takes). */
  push (time: number, values: Record<Name, number>): void {
    this.times[this.next] = time
    for (const [name, column] of this.columns) column[this.next] = values[name]
    this.next = (this.next + 1) % this.capacity
    if (this.rows < this.capacity) this.rows++
  }

  /**
   * The rows taken after `since` (all by default), oldest first, as plain arrays (JSON): a page
   * that has the earlier rows asks for the new ones only.
   */
  series (since = -Infinity): { time: number[], values: Record<Name, number[]> } {
    const oldest = (this.next - this.rows + this.capacity) % this.capacity
    let skip = 0
    while (skip < this.rows && this.times[(oldest + skip) % this.capacity] <= since) skip++
    const start = (oldest + skip) % this.capacity
    const count = this.rows - skip
    const ordered = (column: Float64Array): number[] => {
      // Stryker disable next-line ArrayDeclaration: the length only sizes the array up front; the loop fills every place either way
      const out = new Array<number>(count)
      for (let i = 0; i < count; i++) out[i] = column[(start + i) % this.capacity]
      return out
    }
    const values = {} as Record<Name, number[]>
    for (const [name, column] of this.columns) values[name] = ordered(column)
    return { time: ordered(this.times), values }
  }
}

/**
 * Per-second rates between two readings of counters that only grow. A counter lower than
 * before (a process that restarted behind the same name) counts from zero, never negative.
 */
export function ratesBetween<Name extends string> (before: Record<Name, number>, after: Record<Name, number>, seconds: number): Record<Name, number> {
  const rates = {} as Record<Name, number>
  for (const name of Object.keys(after) as Name[]) {
    const delta = after[name] >= before[name] ? after[name] - before[name] : after[name]
    rates[name] = seconds > 0 ? delta / seconds : 0
  }
  return rates
}
