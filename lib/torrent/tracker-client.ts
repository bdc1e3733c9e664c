import { setTimeout as sleep } from 'node:timers/promises'
import { announcedHashes, type TorrentFile } from './torrent-file.ts'

/** The body of `POST /add_torrent_info`, in the tracker's wire names. */
export interface TorrentInfoRequest {
  info_hash: string
  name: string
  size: number
  piece_length: number
  comment?: string
  created_by: string
  creation_date?: number
  private: boolean
}

export type AddStatus = 'added' | 'updated'

export interface TrackerClientOptions {
  /** Base URL; the endpoint is resolved under it, so a path prefix behind a proxy works. */
  trackerUrl: string
  token?: string
  timeoutMs: number
  /** Further attempts after the first, for failures that may pass. */
  retries: number
  retryDelayMs: number
  onRetry?: (error: TrackerError, attempt: number) => void
}

export class TrackerError extends Error {
  override name = 'TrackerError'
  constructor (message: string, readonly status: number | null, readonly retryable: boolean) {
    super(message)
  }
}

export const USER_AGENT = 'Torrent-Tracker-Client/1.0'
// The tracker answers with a few hundred bytes; anything far bigger is not the tracker.
const MAX_ANSWER_BYTES = 1024 * 1024

/** One request per hash a client may announce: a hybrid torrent is registered under both. */
export function torrentInfoRequests (torrent: TorrentFile): TorrentInfoRequest[] {
  return announcedHashes(torrent).map(hash => ({
    info_hash: hash,
    name: torrent.name,
    size: torrent.size,
    piece_length: torrent.pieceLength,
    ...(torrent.comment === null ? {} : { comment: torrent.comment }),
    created_by: torrent.createdBy,
    ...(torrent.creationDate === null ? {} : { creation_date: torrent.creationDate }),
    private: torrent.private
  }))
}

/** Throws TypeError for a URL that is not http(s). */
export function addTorrentInfoUrl (trackerUrl: string): URL {
  const base = new URL(trackerUrl)
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError(`not an http(s) URL: ${trackerUrl}`)
  if (!base.pathname.endsWith('/')) base.pathname += '/'
  base.search = ''
  base.hash = ''
  return new URL('add_torrent_info', base)
}

/**
 * Posts one registration, retrying connection failures, timeouts and 5xx answers; a 4xx
 * means the request itself is wrong, so it fails at once with the tracker's message.
 */
export async function addTorrentInfo (options: TrackerClientOptions, body: TorrentInfoRequest): Promise<AddStatus> {
  const url = addTorrentInfoUrl(options.trackerUrl)
  for (let attempt = 1; ; attempt++) {
    try {
      return await post(url, options, body)
    } catch (err) {
      if (!(err instanceof TrackerError) || !err.retryable) throw err
      if (attempt > options.retries) {
        throw new TrackerError(attempt > 1 ? `${err.message} (gave up after ${attempt} attempts)` : err.message, err.status, false)
      }
      options.onRetry?.(err, attempt)
      await sleep(options.retryDelayMs)
    }
  }
}

async function post (url: URL, options: TrackerClientOptions, body: TorrentInfoRequest): Promise<AddStatus> {
  const headers: Record<string, string> = { 'User-Agent': USER_AGENT, 'Content-Type': 'application/json' }
  if (options.token !== undefined && options.token !== '') headers.Authorization = `Bearer ${options.token}`
  // One signal for the whole exchange, so a tracker that stalls mid-answer times out too.
  const signal = AbortSignal.timeout(options.timeoutMs)
  let status: number
  let text: string
  let location: string | null
  try {
    // Following a redirect would turn the POST into a GET and could carry the token elsewhere.
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), redirect: 'manual', signal })
    status = res.status
    location = res.headers.get('location')
    text = await readAnswer(res)
  } catch (err) {
    if (err instanceof TrackerError) throw err
    throw new TrackerError(transportFailure(err, options.timeoutMs), null, true)
  }

  if (status >= 500) throw new TrackerError(`HTTP ${status}${detail(text)}`, status, true)
  if (status >= 300 && status < 400) {
    throw new TrackerError(`HTTP ${status}: redirected to ${location ?? '(nowhere)'}; give that address as the tracker URL`, status, false)
  }
  if (status !== 200) throw new TrackerError(`HTTP ${status}${detail(text)}`, status, false)
  const answer = parseJson(text)
  const added = isRecord(answer) ? answer.status : undefined
  if (added !== 'added' && added !== 'updated') {
    throw new TrackerError(`unexpected answer from the tracker: ${text.slice(0, 200)}`, status, false)
  }
  return added
}

async function readAnswer (res: Response): Promise<string> {
  if (res.body === null) return ''
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of res.body) {
    size += chunk.byteLength
    if (size > MAX_ANSWER_BYTES) {
      // Leaving the loop by a throw cancels the stream (the iterator's return()).
      throw new TrackerError(`HTTP ${res.status}: answer larger than ${MAX_ANSWER_BYTES} bytes; is this the tracker?`, res.status, false)
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function transportFailure (err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `no answer within ${timeoutMs / 1000} s`
  }
  // fetch reports every network failure as "fetch failed" and puts the reason in `cause`.
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err
  const code = isRecord(cause) && typeof cause.code === 'string' ? `${cause.code}: ` : ''
  return `cannot reach the tracker: ${code}${cause instanceof Error ? cause.message : String(cause)}`
}

/** The tracker's own error message when it sent one, else the start of the body. */
function detail (text: string): string {
  const answer = parseJson(text)
  if (isRecord(answer) && typeof answer.message === 'string') return `: ${answer.message}`
  const snippet = text.trim().slice(0, 200)
  return snippet === '' ? '' : `: ${snippet}`
}

function parseJson (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}
