import type { ScrapeEntry } from '../store/peer-store.ts'
import type { Counts } from './protocol.ts'

/**
 * Adds the WebSocket peers of each torrent to the store's scrape entries: one torrent, whatever
 * transport its peers use. `extra` answers for one 20-byte hash.
 */
export function withWebSocketPeers (entries: ScrapeEntry[], hashes: Buffer[], extra: (infoHash: Buffer) => Counts): ScrapeEntry[] {
  return entries.map((entry, i) => {
    const ws = extra(hashes[i])
    return ws.complete + ws.incomplete === 0 ? entry : { ...entry, complete: entry.complete + ws.complete, incomplete: entry.incomplete + ws.incomplete }
  })
}
