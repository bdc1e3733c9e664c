import bencode from 'bencode'
import { formatIp } from '../bittorrent/ip-address.ts'
import type { AnnounceResult } from '../store/peer-store.ts'

export interface Intervals {
  interval: number
  minInterval: number
}

/**
 * The compact announce reply (BEP 23, BEP 7), written straight into one Buffer: this runs for
 * nearly every request, and the peers are already in wire form. Keys in bencode's sorted order;
 * `peers6` only when there are IPv6 peers. A test proves it byte for byte against `bencode`.
 */
export function writeCompactAnnounce (r: AnnounceResult, t: Intervals): Buffer {
  const head = `d8:completei${r.complete}e10:downloadedi${r.downloaded}e10:incompletei${r.incomplete}e` +
    `8:intervali${t.interval}e12:min intervali${t.minInterval}e5:peers${r.peers.length}:`
  const six = r.peers6.length > 0 ? `6:peers6${r.peers6.length}:` : ''
  const out = Buffer.allocUnsafe(head.length + r.peers.length + six.length + r.peers6.length + 1)
  let at = out.write(head, 0, 'latin1')
  at += r.peers.copy(out, at)
  if (six !== '') {
    at += out.write(six, at, 'latin1')
    at += r.peers6.copy(out, at)
  }
  out[at] = 0x65 // 'e'
  return out
}

/** The original dictionary model (BEP 3), for clients that send `compact=0`. */
export function writeDictionaryAnnounce (r: AnnounceResult, t: Intervals, noPeerId: boolean): Buffer {
  const peers: Array<Record<string, string | number | Buffer>> = []
  let n = 0
  for (const [list, size] of [[r.peers, 6], [r.peers6, 18]] as const) {
    for (let at = 0; at < list.length; at += size) {
      const peer: Record<string, string | number | Buffer> = {
        ip: formatIp(list.subarray(at, at + size - 2)),
        port: list.readUInt16BE(at + size - 2)
      }
      const id = r.peerIds?.[n]
      if (!noPeerId && id !== undefined) peer['peer id'] = id
      peers.push(peer)
      n++
    }
  }
  return Buffer.from(bencode.encode({
    complete: r.complete,
    downloaded: r.downloaded,
    incomplete: r.incomplete,
    interval: t.interval,
    'min interval': t.minInterval,
    peers
  }))
}

export function writeFailure (reason: string): Buffer {
  return Buffer.from(bencode.encode({ 'failure reason': reason }))
}
