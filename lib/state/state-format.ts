/**
 * The state file, in the seed's shape:
 *
 *   {"version": 1, "saved_at": ISO date,
 *    "torrents": {<hex info hash>: {"info": {...}, "peers_info": [peer...], "stats": {...}}},
 *    "aliases": {<hex alias>: <hex info hash>}}
 *
 * with each peer {"peer_id": hex, "ip", "port", "uploaded", "downloaded", "left", "last_seen"
 * (unix seconds), "key" (digest of the client's key, 0 for none), "counted" (its completion was
 * counted)}. The writer puts each torrent on a line of its own, which lets the reader parse the
 * file a line at a time. Both go through the PeerStore's snapshot and restore, whatever store
 * holds the swarms.
 */
export const STATE_VERSION = 1

/** The file cannot be understood as a state file at all: it is kept aside, never overwritten. */
export class CorruptStateError extends Error {
  override name = 'CorruptStateError'
}
