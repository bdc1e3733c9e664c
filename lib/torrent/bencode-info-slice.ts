/**
 * A strict, pull-style bencode reader over a Buffer, and the slicer built on it that finds the
 * exact bytes of a torrent's top-level `info` value. Nothing is decoded into a tree: callers
 * read what they need and skip the rest, so memory stays flat whatever the input; nesting
 * is followed without recursion and capped, so hostile depth cannot overflow the stack.
 */

export type BencodeKind = 'integer' | 'string' | 'list' | 'dictionary'

/** Deeper than any real torrent (v2 file trees nest one level per directory). */
export const MAX_DEPTH = 256

export class BencodeError extends Error {
  constructor (message: string, readonly offset?: number) {
    super(offset === undefined ? message : `${message} at byte ${offset}`)
    this.name = 'BencodeError'
  }
}

const E = 0x65 // 'e'
const COLON = 0x3a
const MINUS = 0x2d
const ZERO = 0x30
const NINE = 0x39

export class BencodeReader {
  pos: number
  private depth = 0

  constructor (readonly buf: Buffer, start = 0, readonly maxDepth = MAX_DEPTH) {
    this.pos = start
  }

  kind (): BencodeKind {
    const c = this.byte(this.pos)
    if (c === 0x69) return 'integer'
    if (c === 0x6c) return 'list'
    if (c === 0x64) return 'dictionary'
    if (c >= ZERO && c <= NINE) return 'string'
    const shown = c > 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `0x${c.toString(16).padStart(2, '0')}`
    throw new BencodeError(`unexpected byte ${shown}`, this.pos)
  }

  /** Throws unless the next value is of `kind`; `what` names it in the message. */
  expect (kind: BencodeKind, what: string): void {
    const found = this.kind()
    if (found !== kind) throw new BencodeError(`${what} should be ${article(kind)}, not ${article(found)}`, this.pos)
  }

  /** Reads an integer that must fit a JS number exactly (sizes, dates, flags). */
  integer (what = 'integer'): number {
    const start = this.pos
    this.expect('integer', what)
    const { digitsStart, end } = this.scanInteger()
    const value = end - digitsStart > 16 ? NaN : Number(this.buf.toString('latin1', digitsStart, end))
    if (!Number.isSafeInteger(value)) throw new BencodeError(`${what} is too large`, start)
    return this.buf[start + 1] === MINUS ? -value : value
  }

  string (what = 'string'): Buffer {
    const start = this.pos
    this.expect('string', what)
    let at = start
    let length = 0
    while (this.byte(at) !== COLON) {
      const c = this.byte(at)
      if (c < ZERO || c > NINE) throw new BencodeError('invalid string length', at)
      length = length * 10 + c - ZERO
      // Past the buffer's length already: stop before the number itself gets unsafe.
      if (length > this.buf.length) throw new BencodeError('string runs past the end of the data (truncated?)', start)
      at++
    }
    if (at === start) throw new BencodeError('empty string length', start)
    const end = at + 1 + length
    if (end > this.buf.length) throw new BencodeError('string runs past the end of the data (truncated?)', start)
    this.pos = end
    return this.buf.subarray(at + 1, end)
  }

  /** Steps into a list or dictionary; then `more()` before each item (and key). */
  open (kind: 'list' | 'dictionary', what: string = kind): void {
    this.expect(kind, what)
    if (this.depth >= this.maxDepth) throw new BencodeError(`nested deeper than ${this.maxDepth} levels`, this.pos)
    this.depth++
    this.pos++
  }

  /** True when the open container has another item; false consumes its closing `e`. */
  more (): boolean {
    if (this.byte(this.pos) !== E) return true
    if (this.depth === 0) throw new BencodeError('unbalanced end', this.pos)
    this.depth--
    this.pos++
    return false
  }

  /** A dictionary key, as latin1 so that any bytes map one-to-one onto a string. */
  key (): string {
    return this.string('dictionary key').toString('latin1')
  }

  /** Skips one whole value, checking its syntax all the way down. */
  skip (): void {
    // One flag per container opened here: dictionaries alternate keys and values.
    const open: boolean[] = []
    do {
      const kind = this.kind()
      if (kind === 'integer') this.scanInteger()
      else if (kind === 'string') this.string()
      else {
        this.open(kind)
        open.push(kind === 'dictionary')
      }
      while (open.length > 0) {
        if (!this.more()) {
          open.pop()
          continue
        }
        if (open[open.length - 1]) this.key()
        break
      }
    } while (open.length > 0)
  }

  private scanInteger (): { digitsStart: number, end: number } {
    const start = this.pos
    let at = start + 1
    if (this.byte(at) === MINUS) at++
    const digitsStart = at
    while (this.byte(at) !== E) {
      const c = this.byte(at)
      if (c < ZERO || c > NINE) throw new BencodeError('invalid integer', start)
      at++
    }
    const digits = at - digitsStart
    if (digits === 0) throw new BencodeError('empty integer', start)
    if (this.buf[digitsStart] === ZERO && (digits > 1 || digitsStart > start + 1)) {
      throw new BencodeError('integer with a leading zero or negative zero', start)
    }
    this.pos = at + 1
    return { digitsStart, end: at }
  }

  private byte (at: number): number {
    if (at >= this.buf.length) throw new BencodeError('unexpected end of data (truncated?)', at)
    return this.buf[at]
  }
}

function article (kind: BencodeKind): string {
  return kind === 'integer' ? 'an integer' : `a ${kind}`
}

export interface ByteRange {
  start: number
  end: number
}

/**
 * The byte range of the top-level `info` value, exactly as it stands in the file: its hash
 * is the info hash, and re-encoding a decoded copy would change files that are not in
 * canonical form (unsorted keys, for one). The whole file is checked on the way, so a
 * truncated or malformed file is refused here even when `info` itself is intact.
 */
export function infoSlice (buf: Buffer): ByteRange {
  if (buf.length === 0) throw new BencodeError('empty file')
  const reader = new BencodeReader(buf)
  if (buf[0] !== 0x64) throw new BencodeError('not a bencoded dictionary (not a torrent file?)')
  reader.open('dictionary')
  let range: ByteRange | null = null
  while (reader.more()) {
    const keyAt = reader.pos
    const key = reader.key()
    if (key !== 'info') {
      reader.skip()
      continue
    }
    if (range !== null) throw new BencodeError('a second info key', keyAt)
    const start = reader.pos
    reader.expect('dictionary', 'info')
    reader.skip()
    range = { start, end: reader.pos }
  }
  if (reader.pos !== buf.length) throw new BencodeError(`trailing data (${buf.length - reader.pos} bytes)`, reader.pos)
  if (range === null) throw new BencodeError('no info dictionary')
  return range
}
