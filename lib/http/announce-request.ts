import { ClientError } from '../bittorrent/client-error.ts'
import { parseIp } from '../bittorrent/ip-address.ts'
import { percentDecode, parseUint } from './percent-decode.ts'
import { hashBytes } from '../bittorrent/fnv-hash.ts'
import {
  EVENT_COMPLETED, EVENT_NONE, EVENT_STARTED, EVENT_STOPPED, type AnnounceEvent, type AnnounceRequest
} from '../store/peer-store.ts'

export interface AnnounceLimits {
  numwantDefault: number
  numwantMax: number
  /** Honour the `ip`, `ipv4` and `ipv6` parameters (off: they let anyone point a swarm at a victim). */
  allowIpParam: boolean
}

/** An HTTP announce as the client sent it, before its address is known. */
export interface AnnounceQuery extends Omit<AnnounceRequest, 'endpoint' | 'wantPeerIds' | 'wantOtherFamily'> {
  port: number
  compact: boolean
  noPeerId: boolean
  /** An address the client claimed, when the operator allows it. */
  claimedIp: Buffer | null
}

/**
 * Parses the raw query string of an HTTP announce (BEP 3, 7, 23) byte-exact, in one pass and
 * without building an intermediate object of every parameter.
 */
export function parseAnnounceQuery (qs: string, limits: AnnounceLimits): AnnounceQuery {
  let infoHash: Buffer | null = null
  let peerId: Buffer | null = null
  let port = -1
  let uploaded = 0
  let downloaded = 0
  let left = -1
  let event: AnnounceEvent = EVENT_NONE
  let numwant = Math.min(limits.numwantDefault, limits.numwantMax)
  let key = 0
  let compact = true
  let noPeerId = false
  let claimedIp: Buffer | null = null

  for (let i = 0; i < qs.length;) {
    let amp = qs.indexOf('&', i)
    if (amp === -1) amp = qs.length
    let eq = qs.indexOf('=', i)
    if (eq === -1 || eq > amp) eq = amp
    // A bare name (no `=`) has an empty value, as `name=` has.
    const v = eq === amp ? amp : eq + 1
    switch (qs.slice(i, eq)) {
      case 'info_hash': infoHash = hash20(qs, v, amp, 'info_hash'); break
      case 'peer_id': peerId = hash20(qs, v, amp, 'peer_id'); break
      case 'port': port = parseUint(qs, v, amp, 'port', 65535); break
      case 'uploaded': uploaded = parseUint(qs, v, amp, 'uploaded'); break
      case 'downloaded': downloaded = parseUint(qs, v, amp, 'downloaded'); break
      case 'left': left = parseUint(qs, v, amp, 'left'); break
      case 'numwant': numwant = Math.min(parseUint(qs, v, amp, 'numwant', Infinity), limits.numwantMax); break
      case 'event': event = parseEvent(qs.slice(v, amp)); break
      case 'compact': compact = qs.slice(v, amp) !== '0'; break
      case 'no_peer_id': noPeerId = qs.slice(v, amp) === '1'; break
      case 'key': key = parseKey(qs, v, amp); break
      case 'ip': case 'ipv4': case 'ipv6':
        if (limits.allowIpParam && claimedIp === null) claimedIp = parseClaimedIp(qs, v, amp)
        break
    }
    i = amp + 1
  }

  if (infoHash === null) throw new ClientError('missing info_hash')
  if (peerId === null) throw new ClientError('missing peer_id')
  if (port === -1) throw new ClientError('missing port')
  if (port === 0) throw new ClientError('port must be between 1 and 65535')
  if (left === -1) throw new ClientError('missing left')
  return { infoHash, peerId, port, uploaded, downloaded, left, event, numwant, key, compact, noPeerId, claimedIp }
}

export function hash20 (qs: string, start: number, end: number, name: string): Buffer {
  const bytes = percentDecode(qs, start, end, name)
  if (bytes.length !== 20) throw new ClientError(`${name} must be 20 bytes, got ${bytes.length}`)
  return bytes
}

/** A 32-bit digest of the client's key; 0 is kept for "no key". */
function parseKey (qs: string, start: number, end: number): number {
  if (start >= end) return 0
  const bytes = percentDecode(qs, start, end, 'key')
  return hashBytes(bytes, 0, bytes.length) || 1
}

function parseEvent (value: string): AnnounceEvent {
  switch (value) {
    case '': case 'empty': case 'paused': return EVENT_NONE
    case 'started': return EVENT_STARTED
    case 'completed': return EVENT_COMPLETED
    case 'stopped': return EVENT_STOPPED
    default: throw new ClientError('event must be started, completed, stopped or empty')
  }
}

function parseClaimedIp (qs: string, start: number, end: number): Buffer {
  const ip = parseIp(percentDecode(qs, start, end, 'ip').toString('latin1'))
  if (ip === null) throw new ClientError('ip is not an IP address')
  return ip
}
