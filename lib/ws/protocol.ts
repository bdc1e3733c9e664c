import { ClientError } from '../bittorrent/client-error.ts'

/**
 * The WebTorrent tracker protocol (bittorrent-tracker's lib/server/parse-websocket.js and
 * lib/client/websocket-tracker.js): JSON text frames whose `info_hash`, `peer_id`, `to_peer_id`
 * and `offer_id` are 20-character binary strings, one character per byte. They stay strings
 * here (map keys, echoed back as they came); `hexHash` turns one into hex for the store.
 */

export type WsEvent = 'started' | 'stopped' | 'completed' | 'update' | 'paused'

export interface WsOffer {
  /** The SDP offer, relayed as the client sent it. */
  offer: unknown
  offerId: string
}

export interface WsAnnounce {
  action: 'announce'
  infoHash: string
  peerId: string
  event: WsEvent
  /** Bytes left; Infinity when absent or not a number (bittorrent-tracker does the same). */
  left: number
  offers: WsOffer[]
  /** Set when this message carries an answer to `toPeerId`'s offer. */
  answer?: { sdp: unknown, toPeerId: string, offerId: unknown }
}

export interface WsScrape {
  action: 'scrape'
  /** Empty: every torrent (a full scrape). */
  infoHashes: string[]
}

export type WsRequest = WsAnnounce | WsScrape

/** A refusal the client is told about, naming the torrent when it is known (clients ignore frames for another torrent). */
export class WsClientError extends ClientError {
  override name = 'WsClientError'
  /** The action the failure frame names: bittorrent-tracker's Client drops a connection whose frame has neither. */
  constructor (message: string, readonly infoHash?: string, readonly action: 'announce' | 'scrape' = 'announce') { super(message) }
}

export interface ParseLimits {
  /** Most offers taken from one announce; more are refused. */
  maxOffers: number
  /** Most hashes in one scrape. */
  maxScrape: number
}

const BINARY_ID = /^[\x00-\xff]{20}$/ // eslint-disable-line no-control-regex
const EVENTS = new Set<string>(['started', 'stopped', 'completed', 'update', 'paused'])

export function isBinaryId (value: unknown): value is string {
  return typeof value === 'string' && BINARY_ID.test(value)
}

export function hexHash (binary: string): string {
  return Buffer.from(binary, 'latin1').toString('hex')
}

/** Parses one text frame; throws WsClientError for anything a client sent wrong. */
export function parseMessage (text: string, limits: ParseLimits): WsRequest {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new WsClientError('invalid JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new WsClientError('a message must be a JSON object')
  const m = value as Record<string, unknown>
  if (m.action === 'announce') return parseAnnounce(m, limits)
  if (m.action === 'scrape') return parseScrape(m, limits)
  throw new WsClientError('invalid action: expected "announce" or "scrape"')
}

function parseAnnounce (m: Record<string, unknown>, limits: ParseLimits): WsAnnounce {
  if (!isBinaryId(m.info_hash)) throw new WsClientError('invalid info_hash: 20 binary characters expected')
  const infoHash = m.info_hash
  if (!isBinaryId(m.peer_id)) throw new WsClientError('invalid peer_id: 20 binary characters expected', infoHash)
  let event: WsEvent = 'update'
  if (m.event !== undefined && m.event !== null && m.event !== '' && m.event !== 'empty') {
    if (typeof m.event !== 'string' || !EVENTS.has(m.event)) throw new WsClientError('invalid event', infoHash)
    event = m.event as WsEvent
  }
  const left = Number(m.left)
  const request: WsAnnounce = { action: 'announce', infoHash, peerId: m.peer_id, event, left: Number.isNaN(left) || m.left === null ? Infinity : left, offers: [] }
  if (m.offers !== undefined && m.offers !== null) {
    if (!Array.isArray(m.offers)) throw new WsClientError('invalid offers: an array expected', infoHash)
    if (m.offers.length > limits.maxOffers) throw new WsClientError(`too many offers: at most ${limits.maxOffers} per announce`, infoHash)
    for (const item of m.offers as unknown[]) {
      if (typeof item !== 'object' || item === null) throw new WsClientError('invalid offer: an object expected', infoHash)
      const { offer, offer_id: offerId } = item as Record<string, unknown>
      if (offer === undefined || !isBinaryId(offerId)) throw new WsClientError('invalid offer: `offer` and a 20-character `offer_id` expected', infoHash)
      request.offers.push({ offer, offerId })
    }
  }
  if (m.answer !== undefined && m.answer !== null) {
    if (!isBinaryId(m.to_peer_id)) throw new WsClientError('invalid `to_peer_id` (required with `answer`)', infoHash)
    request.answer = { sdp: m.answer, toPeerId: m.to_peer_id, offerId: m.offer_id }
  }
  return request
}

function parseScrape (m: Record<string, unknown>, limits: ParseLimits): WsScrape {
  const raw = m.info_hash
  const list: unknown[] = raw === undefined || raw === null ? [] : Array.isArray(raw) ? raw : [raw]
  if (list.length > limits.maxScrape) throw new WsClientError(`too many info hashes: at most ${limits.maxScrape} per scrape`, undefined, 'scrape')
  for (const h of list) if (!isBinaryId(h)) throw new WsClientError('invalid info_hash: 20 binary characters expected', undefined, 'scrape')
  return { action: 'scrape', infoHashes: list as string[] }
}

export interface Counts { complete: number, incomplete: number }

/** The reply to an announce (bittorrent-tracker sends it for every announce but an answer). */
export function announceReply (infoHash: string, counts: Counts, interval: number): string {
  return JSON.stringify({ action: 'announce', interval, info_hash: infoHash, complete: counts.complete, incomplete: counts.incomplete })
}

/** An offer handed to another peer of the swarm, from `peerId`. */
export function offerFrame (infoHash: string, peerId: string, offer: WsOffer): string {
  return JSON.stringify({ action: 'announce', offer: offer.offer, offer_id: offer.offerId, peer_id: peerId, info_hash: infoHash })
}

/** An answer handed back to the peer whose offer it answers. */
export function answerFrame (infoHash: string, peerId: string, answer: unknown, offerId: unknown): string {
  return JSON.stringify({ action: 'announce', answer, offer_id: offerId, peer_id: peerId, info_hash: infoHash })
}

export function scrapeReply (entries: Array<{ infoHash: string } & Counts & { downloaded: number }>, interval: number): string {
  const files: Record<string, { complete: number, incomplete: number, downloaded: number }> = {}
  for (const e of entries) files[e.infoHash] = { complete: e.complete, incomplete: e.incomplete, downloaded: e.downloaded }
  return JSON.stringify({ action: 'scrape', files, flags: { min_request_interval: interval } })
}

/** Without `infoHash` the frame has no `info_hash` (JSON.stringify leaves undefined out). */
export function failureFrame (action: 'announce' | 'scrape', reason: string, infoHash?: string): string {
  return JSON.stringify({ action, 'failure reason': reason, info_hash: infoHash })
}
