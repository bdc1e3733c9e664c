import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { infoSlice } from '../../../lib/torrent/bencode-info-slice.ts'
import { displayText } from '../../../lib/torrent/display-text.ts'
import { announcedHashes, DEFAULT_CREATED_BY, parseTorrentFile, TorrentFileError } from '../../../lib/torrent/torrent-file.ts'
import {
  buildV2Torrent, createTorrent, encode, hasMktorrent, knownPayload, mktorrent, parseTorrent, pattern, sha1, sha256, writePayload,
  type BValue
} from '../../helpers/torrent-fixtures.ts'

const bounded = { timeout: 20_000 }

function tempDir (t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'torrent-file-test-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Replaces bytes in an encoded torrent, for damage the encoder would not produce. */
function patch (data: Buffer, from: string, to: string): Buffer {
  const text = data.toString('latin1')
  assert.ok(text.includes(from), `fixture lacks ${from}`)
  return Buffer.from(text.replace(from, to), 'latin1')
}

const pieces = (n: number): Buffer => Buffer.alloc(20 * n, 7)

/** A minimal valid v1 torrent around an info dictionary, plus top-level extras. */
function v1 (info: { [key: string]: BValue } = {}, top: { [key: string]: BValue } = {}): Buffer {
  return encode({ announce: 'http://127.0.0.1/announce', ...top, info: { name: 'x', 'piece length': 16384, pieces: pieces(1), length: 10, ...info } })
}

test('create-torrent single file: metadata, and the info hash parse-torrent computes', bounded, async t => {
  const dir = tempDir(t)
  writeFileSync(join(dir, 'song.ogg'), pattern(70_000, 5))
  const file = await createTorrent(join(dir, 'song.ogg'), {
    comment: 'a comment', createdBy: 'maker 2.0', creationDate: new Date(1_600_000_000_000), private: true, pieceLength: 16384
  })
  const parsed = parseTorrentFile(file)
  const reference = await parseTorrent(file)
  assert.deepEqual(parsed, {
    version: 'v1',
    infoHash: reference.infoHash,
    infoHashV2: null,
    infoHashV2Truncated: null,
    name: 'song.ogg',
    size: 70_000,
    fileCount: 1,
    pieceLength: 16384,
    comment: 'a comment',
    createdBy: 'maker 2.0',
    creationDate: 1_600_000_000,
    private: true
  })
  assert.deepEqual(announcedHashes(parsed), [reference.infoHash])
})

test('create-torrent folder: size and file count add up, hash agrees with parse-torrent', bounded, async t => {
  const dir = tempDir(t)
  writePayload(join(dir, 'album'), knownPayload())
  const file = await createTorrent(join(dir, 'album'))
  const parsed = parseTorrentFile(file)
  const reference = await parseTorrent(file)
  assert.equal(parsed.infoHash, reference.infoHash)
  assert.equal(parsed.name, 'album')
  assert.equal(parsed.size, 1000 + 3 * 16384 + 5 + 4 * 16384)
  assert.equal(parsed.size, reference.length)
  assert.equal(parsed.fileCount, 3)
  assert.equal(parsed.pieceLength, reference.pieceLength)
  assert.equal(parsed.private, false)
})

test('mktorrent single file and folder, private and commented', bounded, async t => {
  if (!await hasMktorrent()) {
    // CI installs it (.ci/run); elsewhere say what is missing rather than fail.
    if (process.env.CI !== undefined) assert.fail('mktorrent is not installed')
    t.skip('mktorrent is not installed (apt-get install mktorrent)')
    return
  }
  const dir = tempDir(t)
  writePayload(join(dir, 'data'), knownPayload())
  const single = parseTorrentFile(readFileSync(await mktorrent(join(dir, 'data', 'a.txt'), join(dir, 'single.torrent'), ['-l', '15'])))
  assert.equal(single.name, 'a.txt')
  assert.equal(single.size, 1000)
  assert.equal(single.pieceLength, 32768)
  assert.match(single.createdBy, /^mktorrent/)
  assert.equal(single.infoHash, (await parseTorrent(readFileSync(join(dir, 'single.torrent')))).infoHash)

  const multiFile = readFileSync(await mktorrent(join(dir, 'data'), join(dir, 'multi.torrent'), ['-p', '-c', 'from mktorrent']))
  const multi = parseTorrentFile(multiFile)
  assert.equal(multi.infoHash, (await parseTorrent(multiFile)).infoHash)
  assert.equal(multi.size, 1000 + 3 * 16384 + 5 + 4 * 16384)
  assert.equal(multi.fileCount, 3)
  assert.equal(multi.private, true)
  assert.equal(multi.comment, 'from mktorrent')
})

test('the v1 hash covers the info bytes as written, even when they are not canonical', bounded, () => {
  // Keys out of order: a decoder that re-encodes would sort them and hash other bytes.
  const info = { 'piece length': 16384, name: 'unsorted', pieces: pieces(1), length: 5 }
  const infoBytes = encode(info, false)
  const file = Buffer.concat([Buffer.from('d8:announce3:url4:info'), infoBytes, Buffer.from('e')])
  const parsed = parseTorrentFile(file)
  assert.equal(parsed.infoHash, sha1(infoBytes))
  assert.notEqual(parsed.infoHash, sha1(encode(info)))
  assert.deepEqual(infoSlice(file), { start: 22, end: 22 + infoBytes.length })
})

// Pinned values were also checked with libtorrent 2.0.8 (torrent_info.info_hashes()) on the
// same payload; they are computed independently below as well.
const V2_HASH = '5fd0fd3241361013511d714d28873d3676f9e8bc425e0141cf0db06bf4b6b964'
const HYBRID_V2_HASH = '74846436bf7c92e248da706ffd46b53c254c4b119ece17f217512c98b3734026'
const HYBRID_V1_HASH = 'bbae396a05f8bd88692496454af4d074ab90ccec'
const PAYLOAD_SIZE = 1000 + 3 * 16384 + 5 + 4 * 16384

test('v2 torrent: SHA-256 info hash and its 20-byte truncation, no v1 hash', bounded, () => {
  const { torrent, info } = buildV2Torrent(knownPayload(), { name: 'known', pieceLength: 32768 })
  assert.equal(sha256(info), V2_HASH)
  const parsed = parseTorrentFile(torrent)
  assert.equal(parsed.version, 'v2')
  assert.equal(parsed.infoHashV2, sha256(info))
  assert.equal(parsed.infoHashV2Truncated, V2_HASH.slice(0, 40))
  assert.equal(parsed.infoHash, null)
  assert.equal(parsed.size, PAYLOAD_SIZE)
  assert.equal(parsed.fileCount, 3)
  assert.equal(parsed.createdBy, DEFAULT_CREATED_BY)
  assert.deepEqual(announcedHashes(parsed), [V2_HASH.slice(0, 40)])
})

test('hybrid torrent: both hashes, size without the padding files', bounded, () => {
  const { torrent, info } = buildV2Torrent(knownPayload(), { name: 'known', pieceLength: 32768, hybrid: true })
  assert.equal(sha256(info), HYBRID_V2_HASH)
  assert.equal(sha1(info), HYBRID_V1_HASH)
  const parsed = parseTorrentFile(torrent)
  assert.equal(parsed.version, 'hybrid')
  assert.equal(parsed.infoHash, HYBRID_V1_HASH)
  assert.equal(parsed.infoHashV2, HYBRID_V2_HASH)
  assert.equal(parsed.size, PAYLOAD_SIZE)
  assert.equal(parsed.fileCount, 3)
  assert.deepEqual(announcedHashes(parsed), [HYBRID_V1_HASH, HYBRID_V2_HASH.slice(0, 40)])
})

test('name: name.utf-8 wins; bytes that are not UTF-8 are escaped', bounded, () => {
  assert.equal(parseTorrentFile(v1({ name: Buffer.from([0xe9, 0x74, 0xe9]), 'name.utf-8': 'été' })).name, 'été')
  assert.equal(parseTorrentFile(v1({ name: Buffer.from([0x61, 0xff, 0x62]) })).name, 'a\\xffb')
  assert.equal(parseTorrentFile(v1({}, { 'comment.utf-8': 'ok', comment: Buffer.from([0xc3]) })).comment, 'ok')
})

test('displayText keeps valid UTF-8 and escapes each bad byte', () => {
  const bytes = (...b: number[]): Buffer => Buffer.from(b)
  assert.equal(displayText(Buffer.from('日本語 ✓')), '日本語 ✓')
  assert.equal(displayText(bytes(0xc0, 0x80)), '\\xc0\\x80') // overlong
  assert.equal(displayText(bytes(0xed, 0xa0, 0x80)), '\\xed\\xa0\\x80') // surrogate
  assert.equal(displayText(bytes(0x41, 0xe6, 0x97)), 'A\\xe6\\x97') // cut short
  assert.equal(displayText(bytes(0xf0, 0x9f, 0x98, 0x80, 0xfe)), '😀\\xfe')
})

test('defaults and edge values of the optional fields', bounded, () => {
  const plain = parseTorrentFile(v1())
  assert.equal(plain.createdBy, DEFAULT_CREATED_BY)
  assert.equal(plain.comment, null)
  assert.equal(plain.creationDate, null)
  assert.equal(plain.private, false)
  assert.equal(parseTorrentFile(v1({ private: 0 })).private, false)
  assert.equal(parseTorrentFile(v1({}, { 'creation date': -5 })).creationDate, null)
  // Padding files do not count as content.
  const files: BValue[] = [{ length: 3, path: ['a'] }, { length: 5, path: ['.pad', '5'], attr: 'p' }, { length: 4, path: ['b'] }]
  const padded = parseTorrentFile(encode({ info: { name: 'p', 'piece length': 16384, pieces: pieces(1), files } }))
  assert.equal(padded.size, 7)
  assert.equal(padded.fileCount, 2)
})

test('each kind of bad file is refused with its own message', bounded, () => {
  const good = v1()
  const info = (entries: { [key: string]: BValue }): Buffer => encode({ info: entries })
  const cases: Array<[string, Buffer, RegExp]> = [
    ['empty', Buffer.alloc(0), /^empty file$/],
    ['not bencode', Buffer.from('<html>hello</html>'), /not a bencoded dictionary/],
    ['truncated', good.subarray(0, good.length - 9), /truncated/],
    ['cut inside a string', Buffer.from('d5:extra9999:abc'), /runs past the end of the data/],
    ['no info', encode({ announce: 'http://127.0.0.1/' }), /^no info dictionary$/],
    ['info is a list', encode({ info: [1, 2] }), /info should be a dictionary, not a list/],
    ['piece length as text', v1({ 'piece length': '16384' }), /info\.piece length should be an integer, not a string/],
    ['name as a number', v1({ name: 5 }), /info\.name should be a string, not an integer/],
    ['files not a list', info({ name: 'x', 'piece length': 16384, pieces: pieces(1), files: 3 }), /info\.files should be a list/],
    ['file without length', info({ name: 'x', 'piece length': 16384, pieces: pieces(1), files: [{ path: ['a'] }] }), /info\.files\[0\] has no length/],
    ['path part not a string', info({ name: 'x', 'piece length': 16384, pieces: pieces(1), files: [{ length: 1, path: [7] }] }), /info\.files\[0\]\.path\[0\] should be a string/],
    ['no name', info({ 'piece length': 16384, pieces: pieces(1), length: 1 }), /info has no name/],
    ['no pieces', info({ name: 'x', 'piece length': 16384, length: 1 }), /info has no pieces/],
    ['pieces not whole hashes', v1({ pieces: Buffer.alloc(21) }), /not a multiple of 20/],
    ['length and files', v1({ files: [{ length: 1, path: ['a'] }] }), /both length and files/],
    ['negative length', v1({ length: -1 }), /negative/],
    ['zero piece length', v1({ 'piece length': 0 }), /not positive/],
    ['huge integer', patch(good, '6:lengthi10e', '6:lengthi123456789012345678901e'), /info\.length is too large/],
    ['leading zero', patch(good, '6:lengthi10e', '6:lengthi010e'), /leading zero/],
    ['key not a string', Buffer.from('di1ei2ee'), /dictionary key should be a string, not an integer/],
    ['two info keys', Buffer.concat([good.subarray(0, -1), Buffer.from('4:infode')]), /a second info key/],
    ['trailing data', Buffer.concat([good, Buffer.from('\n')]), /trailing data \(1 bytes\)/],
    ['unknown meta version', v1({ 'meta version': 3 }), /unsupported info\.meta version 3/],
    ['v2 without file tree', v1({ 'meta version': 2 }), /no info\.file tree/],
    ['v2 odd piece length', info({ name: 'x', 'piece length': 20000, 'meta version': 2, 'file tree': { a: { '': { length: 1, 'pieces root': Buffer.alloc(32) } } } }), /power of two/],
    ['v2 file without root', info({ name: 'x', 'piece length': 16384, 'meta version': 2, 'file tree': { a: { '': { length: 1 } } } }), /info\.file tree\/a has no 32-byte pieces root/]
  ]
  for (const [label, data, message] of cases) {
    assert.throws(() => parseTorrentFile(data), (err: unknown) => {
      assert.ok(err instanceof TorrentFileError, `${label}: ${String(err)}`)
      assert.match(err.message, message, label)
      return true
    }, label)
  }
})

test('hybrid whose v1 and v2 parts disagree on the size is refused', bounded, () => {
  const { torrent } = buildV2Torrent(knownPayload(), { name: 'known', pieceLength: 32768, hybrid: true })
  const tampered = patch(torrent, '6:lengthi1000e4:pathl5:a.txte', '6:lengthi1001e4:pathl5:a.txte')
  assert.throws(() => parseTorrentFile(tampered), /disagree on its size \(115694 and 115693 bytes\)/)
})

test('hostile nesting is refused without exhausting the stack', bounded, () => {
  const deep = Buffer.from('d5:extra' + 'l'.repeat(1_000_000) + 'e'.repeat(1_000_000) + 'e')
  assert.throws(() => parseTorrentFile(deep), /nested deeper than 256 levels/)
  let tree = '0:d6:lengthi1e11:pieces root32:' + 'r'.repeat(32) + 'e'
  for (let i = 0; i < 300; i++) tree = `1:${'abcdefghij'[i % 10]}d${tree}e`
  const deepTree = Buffer.from(`d4:infod9:file treed${tree}e12:meta versioni2e4:name1:x12:piece lengthi16384eee`)
  assert.throws(() => parseTorrentFile(deepTree), /nested deeper than 256 levels/)
})
