import { ClientError } from '../bittorrent/client-error.ts'
import { hash20 } from './announce-request.ts'

/** The info hashes of a scrape (BEP 48): every `info_hash` parameter, byte-exact, deduplicated. */
export function parseScrapeQuery (qs: string, max: number): Buffer[] {
  const hashes: Buffer[] = []
  const seen = new Set<string>()
  for (let i = 0; i < qs.length;) {
    let amp = qs.indexOf('&', i)
    if (amp === -1) amp = qs.length
    if (qs.startsWith('info_hash=', i)) {
      const hash = hash20(qs, i + 10, amp, 'info_hash')
      const id = hash.toString('latin1')
      if (!seen.has(id)) {
        if (hashes.length === max) throw new ClientError(`too many info_hash values (at most ${max})`)
        seen.add(id)
        hashes.push(hash)
      }
    }
    i = amp + 1
  }
  return hashes
}
