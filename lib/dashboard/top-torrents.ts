import type { TorrentSummary } from '../store/peer-store.ts'

export interface TopTorrent {
  infoHash: string
  /** The name registered with the torrent's metadata; null when none was. */
  name: string | null
  seeders: number
  leechers: number
  completed: number
}

/**
 * The `n` torrents with the most peers, most first (ties by info hash, so the table holds
 * still between refreshes). One pass that keeps the best `n` in order: for the dozen rows a
 * dashboard shows this is cheaper than sorting every torrent.
 */
export function topByPeers (torrents: Iterable<TorrentSummary>, n: number): TopTorrent[] {
  const best: TopTorrent[] = []
  if (n <= 0) return best
  const peers = (t: TopTorrent): number => t.seeders + t.leechers
  const before = (a: TopTorrent, b: TopTorrent): boolean => peers(a) > peers(b) || (peers(a) === peers(b) &&
    // Stryker disable next-line EqualityOperator: each torrent comes once, so two hashes are never equal: < and <= order them alike
    a.infoHash < b.infoHash)
  for (const t of torrents) {
    const row: TopTorrent = { infoHash: t.info_hash, name: t.info.name ?? null, seeders: t.complete, leechers: t.incomplete, completed: t.downloaded }
    if (best.length === n) {
      if (!before(row, best[n - 1])) continue
      best.pop()
    }
    let at = best.length
    while (at > 0 && before(row, best[at - 1])) at--
    best.splice(at, 0, row)
  }
  return best
}
