/**
 * The fixed-size record a swarm keeps per peer. A swarm's chunk holds its endpoints side by side
 * (address + port in compact wire form: 6 bytes for IPv4, 18 for IPv6, copied straight into
 * replies), then the rest of each record, RECORD_BYTES apiece:
 *
 *   peer id   20 bytes
 *   key       i32, digest of the client's `key` parameter (0: none)
 *   seen      u32, seconds since the epoch of the last announce
 *   flags     u8, FLAG_COUNTED once this peer's download was counted as completed
 *   uploaded, downloaded, left   5 bytes each (see storedCounter)
 *
 * 50 bytes a peer for IPv4, 62 for IPv6.
 */
export const PEER_ID_LENGTH = 20
export const FLAG_COUNTED = 1

export const COUNTER_BYTES = 5
export const PEER_ID_AT = 0
export const KEY_AT = PEER_ID_AT + PEER_ID_LENGTH
export const SEEN_AT = KEY_AT + 4
export const FLAGS_AT = SEEN_AT + 4
export const UPLOADED_AT = FLAGS_AT + 1
export const DOWNLOADED_AT = UPLOADED_AT + COUNTER_BYTES
export const LEFT_AT = DOWNLOADED_AT + COUNTER_BYTES
/** Bytes of a record after its endpoint. */
export const RECORD_BYTES = LEFT_AT + COUNTER_BYTES

/** What an announce (or a restored peer) writes into a record, besides endpoint, time and flags. */
export interface PeerFields {
  peerId: Uint8Array
  key: number
  uploaded: number
  downloaded: number
  left: number
}

/** Counters below this are kept exactly; above it, in KiB. */
const COUNTER_EXACT = 2 ** 39

/**
 * A transfer counter as a record keeps it, in 5 bytes: exact below 512 GiB, above that to the
 * KiB, up to 512 TiB. Session counters that large are rare, and rounding them costs /stats
 * nothing that matters; three bytes a peer add up at millions of peers. Sums kept over records
 * must add the stored value, so that taking a peer out subtracts exactly what was added.
 */
export function storedCounter (value: number): number {
  return decodeCounter(encodeCounter(value))
}

export function encodeCounter (value: number): number {
  if (value < COUNTER_EXACT) return value
  return COUNTER_EXACT + Math.min(Math.floor(value / 1024), COUNTER_EXACT - 1)
}

export function decodeCounter (stored: number): number {
  return stored < COUNTER_EXACT ? stored : (stored - COUNTER_EXACT) * 1024
}
