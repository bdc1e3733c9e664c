import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MAX_TORRENT_FILE_BYTES, parseTorrentFile, TorrentFileError } from '../../../lib/torrent/torrent-file.ts'
import { encode, sha1, sha256, type BValue } from '../../helpers/torrent-fixtures.ts'

/** Fast checks of single fields and rules, on small hand-made files (no payload hashing). */

type Dict = { [key: string]: BValue }
const pieces = (n: number): Buffer => Buffer.alloc(20 * n, 7)
const root = Buffer.alloc(32, 9)

/** A v1 file; an info key given as undefined is left out. */
function v1 (info: { [key: string]: BValue | undefined } = {}, top: Dict = {}): Buffer {
  const merged: { [key: string]: BValue | undefined } = { name: 'x', 'piece length': 16384, pieces: pieces(1), length: 10, ...info }
  return encode({ ...top, info: Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as Dict })
}

/** A v2 info with one file of `length` bytes at `a`. */
function v2 (info: Dict = {}): Buffer {
  return encode({ info: { name: 'x', 'piece length': 16384, 'meta version': 2, 'file tree': { a: { '': { length: 10, 'pieces root': root } } }, ...info } })
}

/** `message` exactly, or for a RegExp, matched (syntax errors end with a byte offset). */
function refused (data: Uint8Array, message: string | RegExp): void {
  assert.throws(() => parseTorrentFile(data), (err: unknown) => {
    assert.ok(err instanceof TorrentFileError, String(err))
    assert.equal(err.name, 'TorrentFileError')
    if (typeof message === 'string') assert.equal(err.message, message)
    else assert.match(err.message, message)
    return true
  })
}

test('the size limit is checked first, and shown in MiB', () => {
  refused(Buffer.alloc(MAX_TORRENT_FILE_BYTES + 100 * 1024), 'file is 50.1 MiB, over the 50 MiB limit')
  refused(Buffer.alloc(MAX_TORRENT_FILE_BYTES + 1), 'file is 50 MiB, over the 50 MiB limit')
  // At the limit the content is looked at.
  refused(Buffer.alloc(MAX_TORRENT_FILE_BYTES), 'not a bencoded dictionary (not a torrent file?)')
})

test('a view into a larger buffer is read from its own offset', () => {
  const file = v1({ name: 'offset' })
  const big = new Uint8Array(file.length + 20)
  big.set(file, 7)
  const parsed = parseTorrentFile(big.subarray(7, 7 + file.length))
  assert.equal(parsed.name, 'offset')
  assert.equal(parsed.infoHash, parseTorrentFile(file).infoHash)
})

test('optional fields: creation date 0 is a date; private is only 1; comment without the utf-8 key; name.utf-8 alone', () => {
  const parsed = parseTorrentFile(v1({ private: 1 }, { 'creation date': 0, comment: 'plain', 'created by': 'maker' }))
  assert.deepEqual([parsed.creationDate, parsed.private, parsed.comment, parsed.createdBy], [0, true, 'plain', 'maker'])
  assert.equal(parseTorrentFile(v1({ private: 2 })).private, false)
  assert.equal(parseTorrentFile(v1({ name: undefined, 'name.utf-8': 'ü' })).name, 'ü')
  assert.equal(parseTorrentFile(v1({}, { 'comment.utf-8': Buffer.from([0xff]) })).comment, '\\xff')
  assert.equal(parseTorrentFile(v1({}, { 'created by': Buffer.from([0xfe]) })).createdBy, '\\xfe')
  // Unknown keys, at either level, are skipped whatever their type.
  const extra = parseTorrentFile(v1({ 'x-info': { a: [1, 'b'] } }, { zzz: [{ c: 1 }], aaa: 5 }))
  assert.equal(extra.size, 10)
})

test('meta version 1 is a v1 torrent; a v2 torrent has only its SHA-256 identity', () => {
  const one = parseTorrentFile(v1({ 'meta version': 1 }))
  assert.equal(one.version, 'v1')
  const file = v2()
  const parsed = parseTorrentFile(file)
  const infoBytes = encode({ name: 'x', 'piece length': 16384, 'meta version': 2, 'file tree': { a: { '': { length: 10, 'pieces root': root } } } })
  assert.deepEqual(
    [parsed.version, parsed.infoHash, parsed.infoHashV2, parsed.infoHashV2Truncated, parsed.size, parsed.fileCount],
    ['v2', null, sha256(infoBytes), sha256(infoBytes).slice(0, 40), 10, 1]
  )
})

test('any v1 field in a v2 info makes it hybrid, and the v1 part must then be complete', () => {
  refused(v2({ pieces: pieces(1) }), 'info has neither length nor files')
  refused(v2({ length: 10 }), 'info has no pieces')
  refused(v2({ files: [{ length: 10, path: ['a'] }] }), 'info has no pieces')
  const hybrid = parseTorrentFile(v2({ pieces: pieces(1), length: 10 }))
  assert.equal(hybrid.version, 'hybrid')
  assert.equal(hybrid.infoHash?.length, 40)
  refused(v2({ pieces: pieces(1), length: 11 }), 'the v1 and v2 parts of this hybrid torrent disagree on its size (11 and 10 bytes)')
})

test('v2 piece length: a power of two of at least 16 KiB', () => {
  assert.equal(parseTorrentFile(v2({ 'piece length': 32768 })).pieceLength, 32768)
  refused(v2({ 'piece length': 8192 }), 'info.piece length 8192 is not a power of two of at least 16 KiB, as v2 requires')
  refused(v2({ 'piece length': 16385 }), 'info.piece length 16385 is not a power of two of at least 16 KiB, as v2 requires')
  refused(v2({ 'piece length': 49152 }), 'info.piece length 49152 is not a power of two of at least 16 KiB, as v2 requires')
  // v1 has no such rule.
  assert.equal(parseTorrentFile(v1({ 'piece length': 1000 })).pieceLength, 1000)
  refused(v1({ 'piece length': -16384 }), 'info.piece length -16384 is not positive')
  refused(v1({ 'piece length': undefined }), 'info has no piece length')
})

test('v1 file lists: each entry needs a length and a non-empty path; padding is left out; some file must remain', () => {
  const list = (files: BValue[]): Buffer => encode({ info: { name: 'x', 'piece length': 16384, pieces: pieces(1), files } })
  const parsed = parseTorrentFile(list([{ length: 3, path: ['a'] }, { length: 0, path: ['b', 'c'], attr: 'x' }, { length: 4, path: ['d'], attr: 'hp' }]))
  assert.deepEqual([parsed.size, parsed.fileCount], [3, 2])
  refused(list([{ length: 3, path: ['a'] }, { length: 1 }]), 'info.files[1] has no path')
  refused(list([{ length: 3, path: ['a'] }, { length: 1, path: [] }]), 'info.files[1].path is empty')
  refused(list([{ length: 3, path: ['a', 'b', 5] }]), /^info\.files\[0\]\.path\[2\] should be a string, not an integer at byte \d+$/)
  refused(list([{ length: -3, path: ['a'] }]), 'info.files[0] has a negative length')
  refused(list([]), 'info.files lists no files')
  refused(list([{ length: 3, path: ['.pad'], attr: 'p' }]), 'info.files lists no files')
  refused(list([{ length: 2 ** 52, path: ['a'] }, { length: 2 ** 52, path: ['b'] }]), 'the total size is too large')
  refused(list([{ length: 'x', path: ['a'] }]), /^info\.files\[0\]\.length should be an integer, not a string at byte \d+$/)
})

test('v2 file trees: nested folders, empty files without a root, and their errors named by path', () => {
  const tree = (t: Dict): Buffer => encode({ info: { name: 'x', 'piece length': 16384, 'meta version': 2, 'file tree': t } })
  const file = (length: number, r: Buffer | null = root): Dict => ({ '': r === null ? { length } : { length, 'pieces root': r } })
  const parsed = parseTorrentFile(tree({ a: { b: { c: file(5) }, d: file(0, null) }, e: file(7) }))
  assert.deepEqual([parsed.size, parsed.fileCount], [12, 3])
  refused(tree({ a: { b: file(5, Buffer.alloc(31)) } }), 'info.file tree/a/b has no 32-byte pieces root')
  refused(tree({ a: { b: { '': { 'pieces root': root } } } }), 'info.file tree/a/b has no length')
  refused(tree({ a: { b: file(-1) } }), 'info.file tree/a/b has a negative length')
  refused(tree({ '': { length: 1, 'pieces root': root } }), 'info.file tree has a file with no name')
  refused(tree({}), 'info.file tree lists no files')
  refused(tree({ a: {} }), 'info.file tree lists no files')
  refused(tree({ a: file(2 ** 52), b: file(2 ** 52) }), 'the total size is too large')
  // Folder names are shown as text, bytes that are not UTF-8 escaped.
  refused(tree({ a: new Map([[Buffer.from([0x62, 0xff]), { c: 5 }]]) } as unknown as Dict), /^info\.file tree\/a\/b\\xff\/c should be a dictionary, not an integer at byte \d+$/)
  // Keys other than length and pieces root are skipped.
  assert.equal(parseTorrentFile(tree({ a: { '': { length: 3, 'pieces root': root, extra: [1] } } })).size, 3)
})

test('the info hash is over the info bytes wherever the info key stands', () => {
  const info = { name: 'x', 'piece length': 16384, pieces: pieces(1), length: 10 }
  const file = encode({ a: 1, info, zz: 'after' })
  assert.equal(parseTorrentFile(file).infoHash, sha1(encode(info)))
})
