import { SlotIndex } from './slot-index.ts'

/**
 * The two hash indexes of a large swarm: endpoint digest to slot, and key digest to slot (peers
 * without a key are not in the second). Small swarms have none: a scan of their endpoints, side
 * by side, costs no more than a probe. Candidates are confirmed by the caller against the
 * records, since digests collide.
 */
export class SwarmIndex {
  private readonly byEndpoint: SlotIndex
  private readonly byKey: SlotIndex

  constructor (capacity: number) {
    this.byEndpoint = new SlotIndex(capacity)
    this.byKey = new SlotIndex(capacity)
  }

  findByEndpoint (hash: number, matches: (slot: number) => boolean): number {
    return this.byEndpoint.find(hash, matches)
  }

  findByKey (key: number, matches: (slot: number) => boolean): number {
    return this.byKey.find(key, matches)
  }

  insert (endpointHash: number, key: number, slot: number): void {
    this.byEndpoint.insert(endpointHash, slot)
    if (key !== 0) this.byKey.insert(key, slot)
  }

  remove (endpointHash: number, key: number, slot: number): void {
    this.byEndpoint.remove(endpointHash, slot)
    if (key !== 0) this.byKey.remove(key, slot)
  }

  /** The record at `from` moved to `to`. */
  move (endpointHash: number, key: number, from: number, to: number): void {
    this.byEndpoint.move(endpointHash, from, to)
    // Stryker disable next-line ConditionalExpression: no entry has key 0, so moving one finds nothing
    if (key !== 0) this.byKey.move(key, from, to)
  }
}
