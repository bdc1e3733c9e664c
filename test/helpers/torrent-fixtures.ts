import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
// @ts-expect-error create-torrent ships no type declarations
import createTorrentCallback from 'create-torrent'
// @ts-expect-error parse-torrent ships no type declarations
import parseTorrentUntyped from 'parse-torrent'

/**
 * Torrent files for the tests, made three ways: by the create-torrent package, by mktorrent,
 * and by hand for what neither makes (v2, hybrid, non-canonical, broken). The hand-made ones
 * use the small encoder below, which shares no code with the parser under test.
 */

export type BValue = number | string | Buffer | BValue[] | { [key: string]: BValue } | Map<Buffer, BValue>

/** Bencode; `sorted: false` keeps object keys in insertion order, as a sloppy encoder would. */
export function encode (value: BValue, sorted = true): Buffer {
  if (typeof value === 'number') return Buffer.from(`i${value}e`)
  if (typeof value === 'string') return encode(Buffer.from(value), sorted)
  if (Buffer.isBuffer(value)) return Buffer.concat([Buffer.from(`${value.length}:`), value])
  if (Array.isArray(value)) return Buffer.concat([Buffer.from('l'), ...value.map(v => encode(v, sorted)), Buffer.from('e')])
  const entries: Array<[Buffer, BValue]> = value instanceof Map
    ? [...value.entries()]
    : Object.entries(value).map(([k, v]) => [Buffer.from(k), v])
  if (sorted) entries.sort(([a], [b]) => Buffer.compare(a, b))
  return Buffer.concat([Buffer.from('d'), ...entries.flatMap(([k, v]) => [encode(k), encode(v, sorted)]), Buffer.from('e')])
}

export const sha1 = (data: Buffer): string => createHash('sha1').update(data).digest('hex')
export const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

export interface PayloadFile {
  path: string[]
  data: Buffer
}

/** Deterministic content, so expected hashes can be checked by anyone. */
export function pattern (length: number, seed: number): Buffer {
  const buf = Buffer.alloc(length)
  for (let i = 0; i < length; i++) buf[i] = (i * 31 + seed * 17 + (i >> 8)) & 0xff
  return buf
}

/** Sizes chosen to cover a file smaller than a block, one spanning pieces, and whole pieces. */
export function knownPayload (): PayloadFile[] {
  return [
    { path: ['a.txt'], data: pattern(1000, 1) },
    { path: ['sub', 'b.bin'], data: pattern(3 * 16384 + 5, 2) },
    { path: ['sub', 'c.bin'], data: pattern(4 * 16384, 3) }
  ]
}

export function writePayload (dir: string, files: PayloadFile[]): void {
  for (const file of files) {
    const path = join(dir, ...file.path)
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, file.data)
  }
}

const BLOCK = 16384
const ZERO_HASH = Buffer.alloc(32)
const digest256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest()

/**
 * BEP 52 merkle tree of one file: leaves are SHA-256 of 16 KiB blocks, padded with zero
 * hashes to a power of two. Returns the root and the layer whose hashes each cover a piece.
 */
export function merkle (data: Buffer, pieceLength: number): { root: Buffer, pieceLayer: Buffer } {
  const blocks = Math.ceil(data.length / BLOCK)
  const blocksPerPiece = pieceLength / BLOCK
  let width = 1
  while (width < blocks) width *= 2
  let layer: Buffer[] = []
  for (let i = 0; i < width; i++) layer.push(i < blocks ? digest256(data.subarray(i * BLOCK, (i + 1) * BLOCK)) : ZERO_HASH)
  let pieceLayer: Buffer[] = []
  for (let span = 1; ; span *= 2) {
    if (span === blocksPerPiece) pieceLayer = layer.slice(0, Math.ceil(data.length / pieceLength))
    if (layer.length === 1) break
    const next: Buffer[] = []
    for (let i = 0; i < layer.length; i += 2) next.push(digest256(Buffer.concat([layer[i], layer[i + 1]])))
    layer = next
  }
  return { root: layer[0], pieceLayer: Buffer.concat(pieceLayer) }
}

export interface BuiltTorrent {
  torrent: Buffer
  /** The encoded info dictionary, exactly as it stands inside `torrent`. */
  info: Buffer
}

/**
 * A v2 torrent (or, with `hybrid`, a v1+v2 one whose v1 part aligns every file on a piece
 * with BEP 47 padding files, as BEP 52 asks) of `files`, which must be sorted by path.
 */
export function buildV2Torrent (files: PayloadFile[], options: { name: string, pieceLength: number, hybrid?: boolean }): BuiltTorrent {
  const { name, pieceLength } = options
  const tree: { [key: string]: BValue } = {}
  const layers = new Map<Buffer, BValue>()
  for (const file of files) {
    let node = tree
    for (const part of file.path) node = (node[part] ??= {}) as { [key: string]: BValue }
    const { root, pieceLayer } = merkle(file.data, pieceLength)
    node[''] = file.data.length === 0 ? { length: 0 } : { length: file.data.length, 'pieces root': root }
    if (file.data.length > pieceLength) layers.set(root, pieceLayer)
  }
  const info: { [key: string]: BValue } = { 'file tree': tree, 'meta version': 2, name, 'piece length': pieceLength }
  if (options.hybrid === true) {
    const list: BValue[] = []
    const stream: Buffer[] = []
    files.forEach((file, index) => {
      list.push({ length: file.data.length, path: file.path })
      stream.push(file.data)
      const gap = (pieceLength - file.data.length % pieceLength) % pieceLength
      if (gap > 0 && index < files.length - 1) {
        list.push({ attr: 'p', length: gap, path: ['.pad', String(gap)] })
        stream.push(Buffer.alloc(gap))
      }
    })
    const all = Buffer.concat(stream)
    const pieces: Buffer[] = []
    for (let at = 0; at < all.length; at += pieceLength) pieces.push(createHash('sha1').update(all.subarray(at, at + pieceLength)).digest())
    info.files = list
    info.pieces = Buffer.concat(pieces)
  }
  const encodedInfo = encode(info)
  const torrent = encode({ announce: 'http://127.0.0.1:6969/announce', 'creation date': 1700000000, info, 'piece layers': layers })
  return { torrent, info: encodedInfo }
}

export interface CreateTorrentOptions {
  name?: string
  comment?: string
  createdBy?: string
  creationDate?: Date
  private?: boolean
  pieceLength?: number
}

const createTorrentTyped = createTorrentCallback as (input: string, opts: CreateTorrentOptions & { announceList: string[][] }, cb: (err: Error | null, torrent: Buffer) => void) => void

/** The create-torrent package's .torrent for a file or folder. */
export async function createTorrent (input: string, options: CreateTorrentOptions = {}): Promise<Buffer> {
  return await new Promise((resolve, reject) => {
    createTorrentTyped(input, { announceList: [['http://127.0.0.1:6969/announce']], ...options }, (err, torrent) => {
      if (err !== null) reject(err)
      else resolve(Buffer.from(torrent))
    })
  })
}

export interface ParsedByPackage {
  infoHash: string
  name: string
  length: number
  pieceLength: number
  private: boolean
  files: Array<{ length: number }>
}

/** The parse-torrent package's reading, a second opinion on v1 info hashes and sizes. */
export const parseTorrent = parseTorrentUntyped as (torrent: Uint8Array) => Promise<ParsedByPackage>

const run = promisify(execFile)

export async function hasMktorrent (): Promise<boolean> {
  return await run('mktorrent', ['-h'], { timeout: 5000 }).then(() => true, () => false)
}

/** mktorrent's .torrent for a file or folder; returns the path written. */
export async function mktorrent (target: string, out: string, flags: string[] = []): Promise<string> {
  await run('mktorrent', ['-a', 'http://127.0.0.1:6969/announce', '-o', out, ...flags, target], { timeout: 30_000 })
  return out
}
