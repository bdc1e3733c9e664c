import { createHash } from 'node:crypto'
import { BencodeError, BencodeReader, infoSlice } from './bencode-info-slice.ts'
import { displayText } from './display-text.ts'

export class TorrentFileError extends Error {
  override name = 'TorrentFileError'
}

/** Far above any real .torrent (one that size lists millions of pieces); bounds memory. */
export const MAX_TORRENT_FILE_BYTES = 50 * 1024 * 1024
export const DEFAULT_CREATED_BY = 'Torrent Tracker Script'

export type TorrentVersion = 'v1' | 'v2' | 'hybrid'

/** What a .torrent file says about itself, with its info hashes in lowercase hex. */
export interface TorrentFile {
  version: TorrentVersion
  /** SHA-1 of the info dictionary; null for a v2-only torrent, which has no v1 identity. */
  infoHash: string | null
  /** SHA-256 of the info dictionary (BEP 52); null for a v1 torrent. */
  infoHashV2: string | null
  /** The first 20 bytes of the SHA-256: what v2 clients send trackers as `info_hash`. */
  infoHashV2Truncated: string | null
  name: string
  /** Bytes of content, padding files left out. */
  size: number
  fileCount: number
  pieceLength: number
  comment: string | null
  createdBy: string
  /** Unix seconds, or null when absent or negative. */
  creationDate: number | null
  private: boolean
}

/** The hashes a tracker sees announced for this torrent: v1 first, then the truncated v2. */
export function announcedHashes (torrent: TorrentFile): string[] {
  return [torrent.infoHash, torrent.infoHashV2Truncated].filter((h): h is string => h !== null)
}

/** Throws TorrentFileError with a message fit for an operator for anything it cannot use. */
export function parseTorrentFile (data: Uint8Array): TorrentFile {
  if (data.byteLength > MAX_TORRENT_FILE_BYTES) {
    throw new TorrentFileError(`file is ${mebibytes(data.byteLength)} MiB, over the ${mebibytes(MAX_TORRENT_FILE_BYTES)} MiB limit`)
  }
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  try {
    // The slicer checks the whole file first, so the reads below meet only well-formed data.
    const range = infoSlice(buf)
    return describe(readTopLevel(buf), buf.subarray(range.start, range.end))
  } catch (err) {
    if (err instanceof BencodeError) throw new TorrentFileError(err.message)
    throw err
  }
}

interface Info {
  name?: Buffer
  nameUtf8?: Buffer
  pieceLength?: number
  pieces?: Buffer
  length?: number
  files?: FileTotals
  fileTree?: FileTotals
  metaVersion?: number
  private?: boolean
}

interface TopLevel {
  info: Info
  comment?: Buffer
  commentUtf8?: Buffer
  createdBy?: Buffer
  creationDate?: number
}

function readTopLevel (buf: Buffer): TopLevel {
  const r = new BencodeReader(buf)
  const top: TopLevel = { info: {} }
  r.open('dictionary')
  while (r.more()) {
    switch (r.key()) {
      case 'info': top.info = readInfo(r); break
      case 'comment': top.comment = r.string('comment'); break
      case 'comment.utf-8': top.commentUtf8 = r.string('comment.utf-8'); break
      case 'created by': top.createdBy = r.string('created by'); break
      case 'creation date': top.creationDate = r.integer('creation date'); break
      default: r.skip()
    }
  }
  return top
}

function readInfo (r: BencodeReader): Info {
  const info: Info = {}
  r.open('dictionary')
  while (r.more()) {
    switch (r.key()) {
      case 'name': info.name = r.string('info.name'); break
      case 'name.utf-8': info.nameUtf8 = r.string('info.name.utf-8'); break
      case 'piece length': info.pieceLength = r.integer('info.piece length'); break
      case 'pieces': info.pieces = r.string('info.pieces'); break
      case 'length': info.length = r.integer('info.length'); break
      case 'files': info.files = readFileList(r); break
      case 'file tree': info.fileTree = readFileTree(r); break
      case 'meta version': info.metaVersion = r.integer('info.meta version'); break
      // BEP 27: only 1 means private.
      case 'private': info.private = r.integer('info.private') === 1; break
      default: r.skip()
    }
  }
  return info
}

function describe (top: TopLevel, infoBytes: Buffer): TorrentFile {
  const { info } = top
  const { metaVersion } = info
  if (metaVersion !== undefined && metaVersion !== 1 && metaVersion !== 2) {
    throw new TorrentFileError(`unsupported info.meta version ${metaVersion}`)
  }
  const hasV2 = metaVersion === 2
  const hasV1 = !hasV2 || info.pieces !== undefined || info.length !== undefined || info.files !== undefined
  if (hasV2 && info.fileTree === undefined) throw new TorrentFileError('meta version 2 but no info.file tree')

  const name = info.nameUtf8 ?? info.name
  if (name === undefined) throw new TorrentFileError('info has no name')
  const pieceLength = info.pieceLength
  if (pieceLength === undefined) throw new TorrentFileError('info has no piece length')
  if (pieceLength <= 0) throw new TorrentFileError(`info.piece length ${pieceLength} is not positive`)
  // BEP 52 piece layers only work with power-of-two pieces of 16 KiB or more.
  if (hasV2 && (pieceLength < 16384 || !Number.isInteger(Math.log2(pieceLength)))) {
    throw new TorrentFileError(`info.piece length ${pieceLength} is not a power of two of at least 16 KiB, as v2 requires`)
  }

  const v1 = hasV1 ? v1Totals(info) : null
  const v2 = hasV2 ? info.fileTree ?? null : null
  if (v1 !== null && v2 !== null && v1.size !== v2.size) {
    throw new TorrentFileError(`the v1 and v2 parts of this hybrid torrent disagree on its size (${v1.size} and ${v2.size} bytes)`)
  }
  const totals = v2 ?? v1 as FileTotals
  const sha256 = hasV2 ? createHash('sha256').update(infoBytes).digest('hex') : null
  const comment = top.commentUtf8 ?? top.comment

  return {
    version: hasV1 && hasV2 ? 'hybrid' : hasV2 ? 'v2' : 'v1',
    infoHash: hasV1 ? createHash('sha1').update(infoBytes).digest('hex') : null,
    infoHashV2: sha256,
    infoHashV2Truncated: sha256?.slice(0, 40) ?? null,
    name: displayText(name),
    size: totals.size,
    fileCount: totals.count,
    pieceLength,
    comment: comment === undefined ? null : displayText(comment),
    createdBy: top.createdBy === undefined ? DEFAULT_CREATED_BY : displayText(top.createdBy),
    creationDate: top.creationDate !== undefined && top.creationDate >= 0 ? top.creationDate : null,
    private: info.private ?? false
  }
}

function v1Totals (info: Info): FileTotals {
  if (info.pieces === undefined) throw new TorrentFileError('info has no pieces')
  if (info.pieces.length % 20 !== 0) throw new TorrentFileError(`info.pieces is ${info.pieces.length} bytes, not a multiple of 20`)
  if (info.length !== undefined && info.files !== undefined) throw new TorrentFileError('info has both length and files')
  if (info.files !== undefined) return info.files
  if (info.length === undefined) throw new TorrentFileError('info has neither length nor files')
  if (info.length < 0) throw new TorrentFileError(`info.length ${info.length} is negative`)
  return { count: 1, size: info.length }
}

interface FileTotals {
  count: number
  size: number
}

function readFileList (r: BencodeReader): FileTotals {
  const totals = { count: 0, size: 0 }
  r.open('list', 'info.files')
  for (let index = 0; r.more(); index++) {
    const what = `info.files[${index}]`
    let length: number | undefined
    let hasPath = false
    let padding = false
    r.open('dictionary', what)
    while (r.more()) {
      switch (r.key()) {
        case 'length': length = r.integer(`${what}.length`); break
        case 'path': readPath(r, `${what}.path`); hasPath = true; break
        // BEP 47 padding files exist only to align the next file on a piece.
        case 'attr': padding = r.string(`${what}.attr`).includes('p'); break
        default: r.skip()
      }
    }
    if (length === undefined) throw new TorrentFileError(`${what} has no length`)
    if (!hasPath) throw new TorrentFileError(`${what} has no path`)
    if (!padding) addFile(totals, length, what)
  }
  if (totals.count === 0) throw new TorrentFileError('info.files lists no files')
  return totals
}

function readPath (r: BencodeReader, what: string): void {
  r.open('list', what)
  let parts = 0
  for (; r.more(); parts++) r.string(`${what}[${parts}]`)
  if (parts === 0) throw new TorrentFileError(`${what} is empty`)
}

/**
 * Walks a BEP 52 file tree in one pass: a directory is a dictionary of names, a file is a
 * dictionary whose only key is the empty string.
 */
function readFileTree (r: BencodeReader): FileTotals {
  const totals = { count: 0, size: 0 }
  const path: string[] = []
  const where = (): string => ['info.file tree', ...path].join('/')
  r.open('dictionary', 'info.file tree')
  for (;;) {
    if (!r.more()) {
      if (path.length === 0) break
      path.pop()
      continue
    }
    const key = r.key()
    if (key === '') {
      if (path.length === 0) throw new TorrentFileError('info.file tree has a file with no name')
      addFile(totals, readFileEntry(r, where()), where())
      continue
    }
    path.push(displayText(Buffer.from(key, 'latin1')))
    r.open('dictionary', where())
  }
  if (totals.count === 0) throw new TorrentFileError('info.file tree lists no files')
  return totals
}

function readFileEntry (r: BencodeReader, what: string): number {
  let length: number | undefined
  let root: Buffer | undefined
  r.open('dictionary', what)
  while (r.more()) {
    switch (r.key()) {
      case 'length': length = r.integer(`${what} length`); break
      case 'pieces root': root = r.string(`${what} pieces root`); break
      default: r.skip()
    }
  }
  if (length === undefined) throw new TorrentFileError(`${what} has no length`)
  if (length > 0 && root?.length !== 32) throw new TorrentFileError(`${what} has no 32-byte pieces root`)
  return length
}

function addFile (totals: FileTotals, length: number, what: string): void {
  if (length < 0) throw new TorrentFileError(`${what} has a negative length`)
  totals.count++
  totals.size += length
  if (!Number.isSafeInteger(totals.size)) throw new TorrentFileError('the total size is too large')
}

function mebibytes (bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, '')
}
