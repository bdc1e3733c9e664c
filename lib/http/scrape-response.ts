import type { ScrapeEntry } from '../store/peer-store.ts'

/**
 * The scrape reply (BEP 48): `files` keyed by the raw 20-byte hashes. Written by hand because
 * bencode dictionaries must be sorted by raw key bytes, and a string-keyed encoder would sort
 * (and re-encode) binary keys as text.
 */
export function writeScrape (hashes: Buffer[], entries: ScrapeEntry[]): Buffer {
  const order = hashes.map((_, i) => i).sort((a, b) => Buffer.compare(hashes[a], hashes[b]))
  const parts: Buffer[] = [Buffer.from('d5:filesd', 'latin1')]
  for (const i of order) {
    const e = entries[i]
    parts.push(Buffer.from('20:', 'latin1'), hashes[i])
    let body = `d8:completei${e.complete}e10:downloadedi${e.downloaded}e10:incompletei${e.incomplete}e`
    if (e.name !== undefined) body += `4:name${Buffer.byteLength(e.name)}:${e.name}`
    parts.push(Buffer.from(body + 'e'))
  }
  parts.push(Buffer.from('ee', 'latin1'))
  return Buffer.concat(parts)
}
