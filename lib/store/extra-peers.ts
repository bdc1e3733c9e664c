import type { ScrapeEntry } from './peer-store.ts'

/** Peers of a torrent kept outside the store (a front end's own, as WebSocket peers are). */
export interface PeerCounts {
  complete: number
  incomplete: number
}

/** Counts kept outside the store for each hash, in order: at once, or from a shared store. */
export type ExtraCounts = (infoHashes: Buffer[]) => PeerCounts[] | Promise<PeerCounts[]>

/**
 * Adds the peers a front end keeps itself to the store's scrape entries: one torrent, whatever
 * transport its peers use. `extra` holds the counts of each entry's hash.
 */
export function withExtraPeers (entries: ScrapeEntry[], extra: PeerCounts[]): ScrapeEntry[] {
  return entries.map((entry, i) => {
    const more = extra[i]
    return more.complete + more.incomplete === 0 ? entry : { ...entry, complete: entry.complete + more.complete, incomplete: entry.incomplete + more.incomplete }
  })
}
