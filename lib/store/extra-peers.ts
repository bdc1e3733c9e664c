import type { ScrapeEntry } from './peer-store.ts'

/** Peers of a torrent kept outside the store (a front end's own, as WebSocket peers are). */
export interface PeerCounts {
  complete: number
  incomplete: number
}

/**
 * Adds the peers a front end keeps itself to the store's scrape entries: one torrent, whatever
 * transport its peers use. `extra` answers for one 20-byte hash.
 */
export function withExtraPeers (entries: ScrapeEntry[], hashes: Buffer[], extra: (infoHash: Buffer) => PeerCounts): ScrapeEntry[] {
  return entries.map((entry, i) => {
    const more = extra(hashes[i])
    return more.complete + more.incomplete === 0 ? entry : { ...entry, complete: entry.complete + more.complete, incomplete: entry.incomplete + more.incomplete }
  })
}
